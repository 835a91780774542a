from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from knowtrans.confirmations.operations import check_sign_off
from knowtrans.core.errors import Refused
from knowtrans.core.forms import NoControlCharacters, strip_filter
from knowtrans.learning.forms import level_choices, optional_level

MAX_COMMENT = 2000


class ConfirmLevelForm(FlaskForm):
    level = SelectField(
        "Confirmed level",
        choices=level_choices("Choose a level…"),
        coerce=optional_level,
        default="",
        validators=[InputRequired("Choose the level the learner has shown.")],
        invalid_value_message="Choose a level from 1 (Novice) to 5 (Expert).",
        invalid_choice_message="Choose a level from 1 (Novice) to 5 (Expert).",
    )
    comment = TextAreaField(
        "Comment",
        validators=[Length(max=MAX_COMMENT), NoControlCharacters()],
        filters=[strip_filter],
        render_kw={"rows": 4},
    )
    sign_off = BooleanField(
        "Sign off: the learner has reached the target and moves to the “Signed off” phase"
    )

    def __init__(self, *args, target_level: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.target_level = target_level

    def validate_sign_off(self, field) -> None:
        """The operation's rule as a pre-check, shown with the other fields' messages."""
        if field.data and isinstance(self.level.data, int):
            try:
                check_sign_off(self.level.data, self.target_level)
            except Refused as refusal:
                raise ValidationError(str(refusal)) from None
