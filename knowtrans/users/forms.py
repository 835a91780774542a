"""Forms of the user administration: the shape of the input, and friendly pre-checks of
rules the operations enforce (``knowtrans.users.operations``)."""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    RadioField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    ValidationError,
)
from wtforms.validators import Email, EqualTo, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from knowtrans.core.concurrency import VersionField
from knowtrans.core.forms import NoControlCharacters, required_line, strip_filter
from knowtrans.core.i18n import (
    DEFAULT_LANGUAGE,
    is_language,
    is_timezone,
    language_choices,
    timezone_choices,
)
from knowtrans.users.models import KIND_LABELS, ROLE_LABELS, Role, User, UserKind
from knowtrans.users.operations import (
    DUPLICATE_EMAIL,
    NO_ROLE,
    UNKNOWN_LANGUAGE,
    UNKNOWN_TIMEZONE,
    email_taken,
    password_problem,
    role_conflict,
)

ROLE_HINTS = {
    Role.ADMIN: _l("manages users and roles"),
    Role.CTO: _l("creates engagements and transfer plans, assigns learners"),
    Role.IT_LEAD: _l("confirms levels, generates and closes handover reports"),
    Role.STAFF: _l("internal learner who records what they learned"),
    Role.EXPERT: _l("external expert who confirms levels and writes handover notes"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PasswordFields:
    """The password rule of ``password_problem``, for the account ``password_owner`` names."""

    def password_owner(self) -> tuple[str | None, str | None]:
        """The email address and name of the account whose password is set."""
        raise NotImplementedError

    def validate_password(self, field) -> None:
        email, name = self.password_owner()
        problem = password_problem(field.data or "", email=email, name=name)
        if problem:
            raise ValidationError(problem)


class OwnerPasswordFields(PasswordFields):
    """The password of an existing account, given as ``user=``."""

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def password_owner(self) -> tuple[str | None, str | None]:
        return self.user.email, self.user.name


class UserFields(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[
            *required_line(_l("Enter the email address."), 254),
            Email(message=_l("This is not a valid email address."), check_deliverability=False),
        ],
        filters=[strip_filter],
    )
    name = StringField(
        _l("Name"),
        validators=required_line(_l("Enter the display name."), 120),
        filters=[strip_filter],
    )
    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, KIND_LABELS[kind]) for kind in UserKind],
        default=UserKind.INTERNAL.value,
        validators=[InputRequired(message=_l("Choose internal staff or external expert."))],
    )
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=[SelectChoice(role.value, ROLE_LABELS[role]) for role in Role],
        coerce=str,
    )
    #: the choices are checked by validate_language and validate_timezone, with their messages
    language = SelectField(
        _l("Language"),
        # each language named in itself, marked as such for screen readers
        choices=[
            SelectChoice(code, name, render_kw={"lang": code}) for code, name in language_choices()
        ],
        default=DEFAULT_LANGUAGE,
        validate_choice=False,
    )
    timezone = SelectField(_l("Time zone"), default="", validate_choice=False)

    def __init__(self, *args, editing: User | None = None, **kwargs) -> None:
        if editing is not None:  # what a submitted form leaves out stays as it is
            kwargs.setdefault(
                "data", {"language": editing.language, "timezone": editing.timezone or ""}
            )
        super().__init__(*args, **kwargs)
        self.editing = editing
        company = current_app.config["DEFAULT_TIMEZONE"]
        self.timezone.choices = [
            SelectChoice("", _("Company default (%(zone)s)", zone=company)),
            *(SelectChoice(zone, zone) for zone in timezone_choices()),
        ]

    @property
    def chosen_timezone(self) -> str | None:
        """The chosen zone; None for the company's default."""
        return self.timezone.data or None

    @property
    def chosen_roles(self) -> set[Role]:
        return {Role(value) for value in self.roles.data or []}

    @property
    def chosen_kind(self) -> UserKind:
        return UserKind(self.kind.data)

    def validate_email(self, field) -> None:
        if field.errors:  # never query with a malformed address (PostgreSQL refuses NUL)
            return
        exclude_id = self.editing.id if self.editing else None
        if email_taken(field.data, exclude_id=exclude_id):
            raise ValidationError(_(DUPLICATE_EMAIL))

    def validate_roles(self, field) -> None:
        if field.errors:  # an unknown role: the choice check has said so
            return
        if not field.data:
            raise ValidationError(_(NO_ROLE))
        if self.kind.data in {kind.value for kind in UserKind}:
            conflict = role_conflict(self.chosen_kind, self.chosen_roles)
            if conflict:
                raise ValidationError(conflict)

    def validate_language(self, field) -> None:
        if not is_language(field.data):
            raise ValidationError(_(UNKNOWN_LANGUAGE))

    def validate_timezone(self, field) -> None:
        if field.data and not is_timezone(field.data):
            raise ValidationError(_(UNKNOWN_TIMEZONE))


class UserCreateForm(PasswordFields, UserFields):
    password = PasswordField(
        _l("Initial password"),
        validators=[InputRequired(message=_l("Set an initial password."))],
    )

    def password_owner(self) -> tuple[str | None, str | None]:
        return self.email.data, self.name.data


class UserEditForm(UserFields):
    version = VersionField()


class PasswordForm(OwnerPasswordFields, FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=_l("Enter the new password."))],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(message=_l("Repeat the new password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


class UserFilterForm(FlaskForm):
    """The list's search and filters, read from the query string."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name or email"), validators=[NoControlCharacters(), Length(max=200)])
    role = SelectField(
        _l("Role"),
        default="",
        choices=[SelectChoice("", _l("Any role"))]
        + [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role],
    )
    active = SelectField(
        _l("Status"),
        default="",
        choices=[
            SelectChoice("", _l("Active and inactive")),
            SelectChoice("1", _l("Active only")),
            SelectChoice("0", _l("Inactive only")),
        ],
    )

    def applied(self) -> dict[str, str]:
        """The valid, non-empty filters; invalid ones are shown as errors and ignored."""
        self.validate()
        return {
            name: field.data
            for name, field in self._fields.items()
            if field.data and not field.errors and isinstance(field.data, str)
        }
