from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

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
