from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, ValidationError
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from knowtrans.auth.operations import UNKNOWN_LANGUAGE, UNKNOWN_TIMEZONE
from knowtrans.core.forms import strip_filter
from knowtrans.core.i18n import is_language, is_timezone, language_choices, timezone_choices
from knowtrans.users.forms import OwnerPasswordFields


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter a valid email address.")),
            Length(max=254),
        ],
        filters=[strip_filter],
    )
    #: any password the account may have: the password rule applies where one is set
    password = PasswordField(
        _l("Password"), validators=[InputRequired(_l("Enter your password.")), Length(max=256)]
    )


class ChangePasswordForm(OwnerPasswordFields, FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password.")), Length(max=256)],
    )
    password = PasswordField(
        _l("New password"), validators=[InputRequired(_l("Enter the new password."))]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(_l("Repeat the new password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


class ProfileForm(FlaskForm):
    """The signed-in user's own language and time zone; the operation
    (``knowtrans.auth.operations.update_profile``) checks both again."""

    language = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in language_choices()],
        validate_choice=False,
        validators=[InputRequired(UNKNOWN_LANGUAGE)],
    )
    #: empty: the company's zone (KNOWTRANS_DEFAULT_TIMEZONE)
    timezone = SelectField(_l("Time zone"), validate_choice=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        default = _l("Company default: %(zone)s", zone=current_app.config["DEFAULT_TIMEZONE"])
        zones = [SelectChoice(zone, zone) for zone in timezone_choices()]
        self.timezone.choices = [SelectChoice("", default), *zones]

    def validate_language(self, field) -> None:
        if not is_language(field.data):
            raise ValidationError(str(UNKNOWN_LANGUAGE))

    def validate_timezone(self, field) -> None:
        if field.data and not is_timezone(field.data):
            raise ValidationError(str(UNKNOWN_TIMEZONE))
