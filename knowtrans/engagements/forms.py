"""Forms for engagements, and small helpers other forms share: selects, dates and the
version field (optimistic locking) with its conflict notice."""

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Form,
    HiddenField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from knowtrans.core.concurrency import VersionField
from knowtrans.core.errors import Refused
from knowtrans.core.forms import NoControlCharacters, strip_filter
from knowtrans.core.urls import MAX_ID
from knowtrans.engagements import operations
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.engagements.queries import active_experts
from knowtrans.extensions import db
from knowtrans.users.models import User


def optional_int(value) -> int | None:
    """Coerce a select's value; the empty placeholder is None, anything else not a number a
    ValueError."""
    if value is None or value == "":
        return None
    return int(value)


def record_id(value) -> int | None:
    """Coerce a submitted id; anything that cannot be a row's id is a ValueError."""
    number = optional_int(value)
    if number is None:
        return None
    if not 0 < number <= MAX_ID:
        raise ValueError("not an id")
    return number


def record_select(label: str, *, required: str, unknown: str) -> SelectField:
    """A select of rows by id, its choices set when the form is made: ``required`` is the
    message when none is chosen, ``unknown`` when the value cannot be a row's id (all three
    may be lazy translations, ``lazy_gettext``)."""
    return SelectField(
        label,
        coerce=record_id,
        validate_choice=False,
        validators=[Required(required)],
        invalid_value_message=unknown,
    )


def with_placeholder(placeholder: str, choices: Iterable[SelectChoice]) -> list[SelectChoice]:
    """A select's choices after an empty first one that asks to choose."""
    return [SelectChoice(value="", label=placeholder), *choices]


def person_choice(user: User) -> SelectChoice:
    """A person in a select: name and email address, which tells two namesakes apart."""
    return SelectChoice(value=user.id, label=f"{user.name} ({user.email})")


class Required:
    """The input must be present: an empty input gets ``message`` (a lazy translation is
    translated when the form is checked), once.

    Unlike DataRequired it does not add "required" on top of a field's own
    "not a valid date/choice" error.
    """

    field_flags = {"required": True}

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if not field.raw_data or not str(field.raw_data[0]).strip():
            field.errors[:] = []
            raise StopValidation(str(self.message))
        if field.errors:
            raise StopValidation()


class EngagementForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[Required(_l("Enter a title.")), Length(max=160), NoControlCharacters()],
        filters=[strip_filter],
    )
    expert_id = record_select(
        _l("Expert"),
        required=_l("Choose the expert."),
        unknown=_l("Choose the expert from the list."),
    )
    client = StringField(
        _l("Client"),
        validators=[Required(_l("Enter the client.")), Length(max=120), NoControlCharacters()],
        filters=[strip_filter],
    )
    project = StringField(
        _l("Project"),
        validators=[Length(max=160), NoControlCharacters()],
        filters=[strip_filter],
    )
    start_date = DateField(_l("Start date"), validators=[Required(_l("Enter the start date."))])
    planned_end_date = DateField(
        _l("Planned end date"), validators=[Required(_l("Enter the planned end date."))]
    )
    objectives = TextAreaField(
        _l("Objectives"),
        validators=[Length(max=5000), NoControlCharacters()],
        filters=[strip_filter],
        render_kw={"rows": 6},
    )
    version = VersionField()

    def __init__(self, *args, engagement: Engagement | None = None, **kwargs) -> None:
        super().__init__(*args, obj=engagement, **kwargs)
        self.engagement = engagement
        experts = active_experts()
        if engagement is not None and engagement.expert not in experts:
            experts.insert(0, engagement.expert)
        self.expert_id.choices = with_placeholder(
            _("Choose the expert…"), map(person_choice, experts)
        )

    def validate_expert_id(self, field) -> None:
        """The operation's rule (``check_expert``) as a pre-check, shown with the other
        fields' messages; the operation refuses again on saving."""
        expert = db.session.get(User, field.data)
        if expert is None:
            raise ValidationError(_("Choose an active user with the expert role."))
        try:
            operations.check_expert(self.engagement, expert)
        except Refused as refusal:
            raise ValidationError(str(refusal)) from None

    def validate_start_date(self, field) -> None:
        _plausible(field.data)

    def validate_planned_end_date(self, field) -> None:
        _plausible(field.data)

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the operation's date rules (``date_refusals``) as a pre-check:
        each refusal at its field, unless that field has a message already."""
        valid = super().validate(extra_validators)
        start, end = self.start_date, self.planned_end_date
        for refusal in operations.date_refusals(
            self.engagement,
            start_date=None if start.errors else start.data,
            planned_end_date=None if end.errors else end.data,
        ):
            field = getattr(self, refusal.field or "")
            if not field.errors:
                field.errors.append(str(refusal))
                valid = False
        return valid


STATUS_FILTER_ALL = "all"


def status_filter_choices() -> list[SelectChoice]:
    """All, then each status by its label in the language of the request."""
    return [
        SelectChoice(value=STATUS_FILTER_ALL, label=_("All")),
        *(SelectChoice(value=status.value, label=status.label) for status in EngagementStatus),
    ]


class EngagementFilterForm(Form):
    """The list's filters, read from the query string (a GET form, no CSRF needed)."""

    status = SelectField(_l("Status"), choices=status_filter_choices, default=STATUS_FILTER_ALL)
    q = SearchField(
        _l("Search"),
        validators=[Length(max=100), NoControlCharacters()],
        filters=[strip_filter],
    )

    @property
    def status_value(self) -> EngagementStatus | None:
        if self.status.errors or self.status.data == STATUS_FILTER_ALL:
            return None
        return EngagementStatus(self.status.data)

    @property
    def search_text(self) -> str:
        if self.q.errors or not self.q.data:
            return ""
        return self.q.data


class AdvanceForm(FlaskForm):
    """Move the engagement one status on; ``current`` guards against a double submit."""

    current = HiddenField(validators=[DataRequired()])


#: an engagement's dates lie in this range; year 1 or 9999 is a typo
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def _plausible(day) -> None:
    if day and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise ValidationError(
            _(
                "Enter a date between the years %(earliest)d and %(latest)d.",
                earliest=EARLIEST_YEAR,
                latest=LATEST_YEAR,
            )
        )
