from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from knowtrans.closing.operations import check_justification
from knowtrans.core.errors import Refused
from knowtrans.core.forms import NoControlCharacters, strip_filter

JUSTIFICATION_MAX = 5000


class CloseForm(FlaskForm):
    justification = TextAreaField(
        _l("Justification"),
        description=_l(
            "Why the engagement closes with these items uncovered, and what happens next "
            "(who picks them up, which documentation stands in). It goes into the final report."
        ),
        validators=[Length(max=JUSTIFICATION_MAX), NoControlCharacters()],
        filters=[strip_filter],
        render_kw={"rows": 5},
    )
    confirm = BooleanField(
        _l(
            "I understand that closing makes the engagement read-only and archives the final "
            "report for good."
        ),
        validators=[DataRequired(_l("Tick this box to close the engagement."))],
    )

    def __init__(self, *args, uncovered_critical: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.uncovered_critical = uncovered_critical

    def validate_justification(self, field) -> None:
        """The operation's rule as a pre-check, shown with the confirmation box's message."""
        try:
            check_justification(self.uncovered_critical, field.data or "")
        except Refused as refusal:
            raise ValidationError(str(refusal)) from None
