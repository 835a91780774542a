from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from knowtrans.confirmations.operations import check_sign_off
from knowtrans.core.errors import Refused
from knowtrans.core.forms import NoControlCharacters, strip_filter
from knowtrans.learning.forms import optional_level
from knowtrans.plans.models import LEVELS, lazy_level_text

MAX_COMMENT = 2000


def level_choices() -> list[SelectChoice]:
    """The five levels, named in the language of the page that shows them."""
    return [SelectChoice("", _l("Choose a level…"))] + [
        SelectChoice(str(level), lazy_level_text(level)) for level in LEVELS
    ]


class ConfirmLevelForm(FlaskForm):
    level = SelectField(
        _l("Confirmed level"),
        choices=level_choices(),
        coerce=optional_level,
        default="",
        validators=[InputRequired(_l("Choose the level the learner has shown."))],
        invalid_value_message=_l("Choose a level from 1 (Novice) to 5 (Expert)."),
        invalid_choice_message=_l("Choose a level from 1 (Novice) to 5 (Expert)."),
    )
    comment = TextAreaField(
        _l("Comment"),
        validators=[Length(max=MAX_COMMENT), NoControlCharacters()],
        filters=[strip_filter],
        render_kw={"rows": 4},
    )
    sign_off = BooleanField(
        _l("Sign off: the learner has reached the target and moves to the “Signed off” phase")
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
