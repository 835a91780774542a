from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from knowtrans.core.forms import strip_filter
from knowtrans.users.forms import OwnerPasswordFields


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter your email address."),
            Email("Enter a valid email address."),
            Length(max=254),
        ],
        filters=[strip_filter],
    )
    #: any password the account may have: the password rule applies where one is set
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password."), Length(max=256)]
    )


class ChangePasswordForm(OwnerPasswordFields, FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password."), Length(max=256)],
    )
    password = PasswordField("New password", validators=[InputRequired("Enter the new password.")])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            InputRequired("Repeat the new password."),
            EqualTo("password", message="The two passwords are not the same."),
        ],
    )
