"""Forms of the user administration: the shape of the input, and friendly pre-checks of
rules the operations enforce (``knowtrans.users.operations``)."""

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
from knowtrans.users.models import Role, User, UserKind
from knowtrans.users.operations import (
    DUPLICATE_EMAIL,
    NO_ROLE,
    email_taken,
    password_problem,
    role_conflict,
)

ROLE_HINTS = {
    Role.ADMIN: "manages users and roles",
    Role.CTO: "creates engagements and transfer plans, assigns learners",
    Role.IT_LEAD: "confirms levels, generates and closes handover reports",
    Role.STAFF: "internal learner who records what they learned",
    Role.EXPERT: "external expert who confirms levels and writes handover notes",
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
        "Email",
        validators=[
            *required_line("Enter the email address.", 254),
            Email(message="This is not a valid email address.", check_deliverability=False),
        ],
        filters=[strip_filter],
    )
    name = StringField(
        "Name", validators=required_line("Enter the display name.", 120), filters=[strip_filter]
    )
    kind = RadioField(
        "Kind",
        choices=[SelectChoice(kind.value, kind.label) for kind in UserKind],
        default=UserKind.INTERNAL.value,
        validators=[InputRequired(message="Choose internal staff or external expert.")],
    )
    roles = MultiCheckboxField(
        "Roles",
        choices=[SelectChoice(role.value, role.label) for role in Role],
        coerce=str,
    )

    def __init__(self, *args, editing: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing

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
            raise ValidationError(DUPLICATE_EMAIL)

    def validate_roles(self, field) -> None:
        if field.errors:  # an unknown role: the choice check has said so
            return
        if not field.data:
            raise ValidationError(NO_ROLE)
        if self.kind.data in {kind.value for kind in UserKind}:
            conflict = role_conflict(self.chosen_kind, self.chosen_roles)
            if conflict:
                raise ValidationError(conflict)


class UserCreateForm(PasswordFields, UserFields):
    password = PasswordField(
        "Initial password",
        validators=[InputRequired(message="Set an initial password.")],
    )

    def password_owner(self) -> tuple[str | None, str | None]:
        return self.email.data, self.name.data


class UserEditForm(UserFields):
    version = VersionField()


class PasswordForm(OwnerPasswordFields, FlaskForm):
    password = PasswordField(
        "New password",
        validators=[InputRequired(message="Enter the new password.")],
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            InputRequired(message="Repeat the new password."),
            EqualTo("password", message="The two passwords are not the same."),
        ],
    )


class UserFilterForm(FlaskForm):
    """The list's search and filters, read from the query string."""

    class Meta:
        csrf = False

    q = SearchField("Name or email", validators=[NoControlCharacters(), Length(max=200)])
    role = SelectField(
        "Role",
        default="",
        choices=[SelectChoice("", "Any role")]
        + [SelectChoice(role.value, role.label) for role in Role],
    )
    active = SelectField(
        "Status",
        default="",
        choices=[
            SelectChoice("", "Active and inactive"),
            SelectChoice("1", "Active only"),
            SelectChoice("0", "Inactive only"),
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
