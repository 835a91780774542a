from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from knowtrans.core.forms import NoControlCharacters, strip_filter

JUSTIFICATION_MAX = 5000
#: a justification is a sentence or two for the record, not "ok"
JUSTIFICATION_MIN = 20


class CloseForm(FlaskForm):
    justification = TextAreaField(
        "Justification",
        description=(
            "Why the engagement closes with these items uncovered, and what happens next "
            "(who picks them up, which documentation stands in). It goes into the final report."
        ),
        validators=[Length(max=JUSTIFICATION_MAX), NoControlCharacters()],
        filters=[strip_filter],
        render_kw={"rows": 5},
    )
    confirm = BooleanField(
        "I understand that closing makes the engagement read-only and archives the final "
        "report for good.",
        validators=[DataRequired("Tick this box to close the engagement.")],
    )

    def __init__(self, *args, uncovered_critical: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.uncovered_critical = uncovered_critical

    def validate_justification(self, field) -> None:
        if self.uncovered_critical and not field.data:
            count = self.uncovered_critical
            items = "item is" if count == 1 else "items are"
            raise ValidationError(
                f"{count} critical {items} not covered: write why the engagement closes anyway."
            )
        if self.uncovered_critical and len(field.data) < JUSTIFICATION_MIN:
            raise ValidationError(
                f"Write at least {JUSTIFICATION_MIN} characters: the justification goes into "
                "the final report as the record of why these items stay uncovered."
            )
