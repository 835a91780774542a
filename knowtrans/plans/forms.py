"""Forms for the transfer plan: plan items, handover notes, learners and phases."""

import re
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    HiddenField,
    SearchField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from knowtrans.core.concurrency import VersionField
from knowtrans.core.errors import Refused
from knowtrans.core.forms import NoControlCharacters, strip_filter
from knowtrans.core.search import Shortlist
from knowtrans.engagements.forms import Required, optional_int, record_id
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.plans import operations
from knowtrans.plans.models import (
    LEVELS,
    Criticality,
    LearnerRole,
    Phase,
    PlanItem,
    lazy_level_text,
)
from knowtrans.plans.queries import assignable_learners, skills_to_plan
from knowtrans.skills.models import Skill
from knowtrans.users.models import User

#: the longest handover notes a plan item keeps (Markdown)
MAX_NOTES_LENGTH = 20_000
#: a select offers at most this many skills or learners; beyond it, a search narrows them
CHOICES_SHOWN = 50


def level_choices() -> list[SelectChoice]:
    return [SelectChoice(value="", label=_l("Choose a level…"))] + [
        SelectChoice(value=level, label=lazy_level_text(level)) for level in LEVELS
    ]


def enum_choices(enum_cls) -> list[SelectChoice]:
    """The members of ``enum_cls`` as choices, each labelled when the select is shown."""
    return [
        SelectChoice(value=member.value, label=LazyString(_label_of, member)) for member in enum_cls
    ]


def _label_of(member) -> str:
    return member.label


def _phase_choice_label(phase: Phase) -> str:
    return f"{phase.step}. {phase.label}"


def target_level_field() -> Any:
    return SelectField(
        _l("Target level"),
        coerce=optional_int,
        choices=level_choices(),
        validators=[Required(_l("Choose a target level."))],
        invalid_value_message=_l("Choose a target level from 1 to 5."),
        invalid_choice_message=_l("Choose a target level from 1 to 5."),
    )


def criticality_field() -> Any:
    return SelectField(
        _l("Criticality"),
        choices=enum_choices(Criticality),
        default=Criticality.MEDIUM.value,
        validators=[Required(_l("Choose a criticality."))],
        invalid_choice_message=_l("Choose low, medium, high or critical."),
    )


def due_date_field() -> Any:
    return DateField(_l("Due date"), validators=[Optional()])


class PlanItemEditForm(FlaskForm):
    """Target, criticality and due date of an existing item; its skill stays fixed."""

    target_level = target_level_field()
    criticality = criticality_field()
    due_date = due_date_field()
    version = VersionField()


class ChoiceSearch(Form):
    """The search that narrows a long list of choices: a GET form on the page itself (no
    CSRF, no JavaScript), its text passed on to the page's form."""

    q = SearchField(
        _l("Search"), validators=[Length(max=100), NoControlCharacters()], filters=[strip_filter]
    )

    def __init__(self, formdata, *, label: str | LazyString) -> None:
        super().__init__(formdata)
        self.q.label.text = label
        self.validate()

    @property
    def text(self) -> str:
        """The text to search for; empty when none was given or it is not valid."""
        if self.q.errors or not self.q.data:
            return ""
        return self.q.data


class SkillSearch(ChoiceSearch):
    def __init__(self, formdata) -> None:
        super().__init__(formdata, label=_l("Search by name or category"))


class LearnerSearch(ChoiceSearch):
    def __init__(self, formdata) -> None:
        super().__init__(formdata, label=_l("Search by name or e-mail"))


#: the rows of a form that offers several records are named ``rows-<n>-<field>``: ``n`` is
#: the row's place on the page (up to four digits, no leading zero); the record's id is a
#: field of the row, so a row means the same record however the list changed meanwhile
ROWS = "rows"
_ROW_KEY = re.compile(rf"{ROWS}-(0|[1-9][0-9]{{0,3}})-")


def _row_numbers(formdata) -> list[int]:
    """The numbers of the rows ``formdata`` holds, in order; other keys are ignored."""
    return sorted({int(match[1]) for key in formdata if (match := _ROW_KEY.match(key))})


class ChoiceRow(FlaskForm):
    """One record a form of several offers: ticked (``chosen``) to take it, the record's id
    in a hidden field (named by ``id_field``, as the operations name their field), and what
    goes with it. ``record`` is the record the id names, None when it names none."""

    class Meta:
        csrf = False

    id_field: ClassVar[str]
    chosen = BooleanField()

    def __init__(self, formdata, *, number: int, **kwargs) -> None:
        super().__init__(formdata=formdata, prefix=f"{ROWS}-{number}-", **kwargs)
        self.record: Any = None

    @property
    def submitted_id(self) -> int | None:
        """The id the row names; None when it cannot be a record's id."""
        try:
            return record_id(getattr(self, self.id_field).data)
        except ValueError:
            return None

    @property
    def id_errors(self) -> list[str]:
        """The messages about the row's record: the rule's answer, a second tick."""
        return [*getattr(self, self.id_field).errors, *self.form_errors]

    def entered(self) -> bool:
        """Whether the row holds input of its own, beyond what every row starts with."""
        return False


class ChoiceRowsForm(FlaskForm):
    """Several records at once: each record offered (at most CHOICES_SHOWN, as the search
    narrows them) is a row, ticked or not. A submitted form comes back with its rows as they
    were sent. Whether a ticked record may be taken is the operation's rule, asked row by row
    in validation so that every row shows its answer; the operation asks again on saving."""

    row_class: ClassVar[type[ChoiceRow]]
    model: ClassVar[Any]
    #: the message when a ticked row names no record
    unknown_message: ClassVar[LazyString]

    def _make_rows(self, offered: list) -> None:
        formdata = request.form if self.is_submitted() else None
        numbers = _row_numbers(formdata) if formdata else []
        #: more rows than a page offers: not from this page
        self.too_many = len(numbers) > CHOICES_SHOWN
        #: ticked rows whose id names no record: refused, and not shown
        self.unknown: list[ChoiceRow] = []
        self.rows: list[Any] = []
        if not numbers:
            for number, record in enumerate(offered):
                data = {self.row_class.id_field: record.id}
                row = self.row_class(None, number=number, data=data)
                row.record = record
                self.rows.append(row)
            return
        rows = [self.row_class(formdata, number=number) for number in numbers[:CHOICES_SHOWN]]
        ids = {row.submitted_id for row in rows} - {None}
        found = {record.id: record for record in self._load(ids)}
        for row in rows:
            row.record = found.get(row.submitted_id)
            if row.record is not None:
                self.rows.append(row)
            elif row.chosen.data:
                self.unknown.append(row)

    def _load(self, ids) -> list:
        """The records of ``ids``, in one query."""
        if not ids:
            return []
        return list(db.session.scalars(sa.select(self.model).where(self.model.id.in_(ids))))

    def reload(self) -> None:
        """Read the rows' records again after a refused save rolled the session back (one
        query, not one per row; their ids are read from the session, not the database)."""
        self._load({sa.inspect(row.record).identity[0] for row in self.rows})

    @property
    def chosen_rows(self) -> list:
        return [row for row in self.rows if row.chosen.data]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.too_many:
            self.form_errors.append(
                _("The request could not be read; nothing was changed. Please try again.")
            )
            return False
        seen: set[int] = set()
        rows_valid = [self._check(row, seen) for row in self.rows]
        if self.unknown:
            self.form_errors.append(str(self.unknown_message))
            return False
        if not self.chosen_rows:
            if all(rows_valid):
                self.form_errors.append(self.nothing_chosen())
            return False
        return all(rows_valid)

    def nothing_chosen(self) -> str:
        raise NotImplementedError

    def _check(self, row, seen: set[int]) -> bool:
        """Whether the row is fine: an untouched row that is not ticked is; a ticked one
        must be valid, not ticked twice, and allowed by the operation's rule."""
        if not row.chosen.data:
            if row.entered():
                row.form_errors.append(self.entered_unticked(row))
                return False
            return True
        valid = row.validate()
        if row.record.id in seen:
            row.form_errors.append(self.ticked_twice(row))
            return False
        seen.add(row.record.id)
        try:
            self.check_rule(row)
        except Refused as refusal:
            target = getattr(row, refusal.field or "", None)
            if target is not None:
                target.errors.append(str(refusal))
            else:
                row.form_errors.append(str(refusal))
            return False
        return valid

    def check_rule(self, row) -> None:
        """Raise Refused when the operation's rule does not allow the row's record."""
        raise NotImplementedError

    def entered_unticked(self, row) -> str:
        raise NotImplementedError

    def ticked_twice(self, row) -> str:
        raise NotImplementedError


class SkillRow(ChoiceRow):
    """A skill to add, with its target level, criticality and due date."""

    id_field = "skill_id"
    skill_id = HiddenField()
    target_level = target_level_field()
    criticality = criticality_field()
    due_date = due_date_field()

    def entered(self) -> bool:
        """A target level or a due date: the CTO meant to add the skill."""
        return any(
            (getattr(field, "raw_data", None) or [""])[0].strip()
            for field in (self.target_level, self.due_date)
        )


class PlanItemsForm(ChoiceRowsForm):
    """Skills added to the plan in one submit: the skills not on it yet (those the search
    finds), each a row with its target level, criticality and due date."""

    row_class = SkillRow
    model = Skill
    unknown_message = _l("Choose a skill from the list.")

    def __init__(self, *args, engagement: Engagement, search: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        self.search = search
        #: the skills offered (at most CHOICES_SHOWN) and how many match
        self.skills: Shortlist[Skill] = skills_to_plan(engagement, text=search, limit=CHOICES_SHOWN)
        self._make_rows(self.skills.rows)
        if search and self.skills.total == 1 and not self.is_submitted():
            self.rows[0].chosen.data = True

    def nothing_chosen(self) -> str:
        return _("Tick at least one skill to add, and choose its target level.")

    def entered_unticked(self, row) -> str:
        return _(
            "%(skill)s is not ticked: tick it to add it too, or clear its target level and "
            "due date.",
            skill=row.record.name,
        )

    def ticked_twice(self, row) -> str:
        return _("%(skill)s is ticked in another row already.", skill=row.record.name)

    def check_rule(self, row) -> None:
        operations.check_skill(self.engagement, row.record)
        if row.due_date.data and not row.due_date.errors:
            operations.check_due_date(self.engagement, row.due_date.data)


class NotesForm(FlaskForm):
    handover_notes = TextAreaField(
        _l("Handover notes"),
        validators=[Length(max=MAX_NOTES_LENGTH), NoControlCharacters()],
        filters=[strip_filter],
        render_kw={"rows": 16},
    )
    version = VersionField()


class LearnerRow(ChoiceRow):
    """A person to assign, with their role in the transfer."""

    id_field = "learner_id"
    learner_id = HiddenField()
    learner_role = SelectField(
        _l("Role in the transfer"),
        choices=enum_choices(LearnerRole),
        default=LearnerRole.PRIMARY.value,
        validators=[Required(_l("Choose primary or backup."))],
        invalid_choice_message=_l("Choose primary or backup."),
    )


class AssignLearnersForm(ChoiceRowsForm):
    """Learners assigned to a plan item in one submit: the staff members who may learn it
    (those the search finds), each a row with their role."""

    row_class = LearnerRow
    model = User
    unknown_message = _l("Choose a learner from the list.")

    def __init__(self, *args, item: PlanItem, search: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        self.search = search
        #: the people offered (at most CHOICES_SHOWN) and how many match
        self.learners: Shortlist[User] = assignable_learners(item, text=search, limit=CHOICES_SHOWN)
        self._make_rows(self.learners.rows)
        if search and self.learners.total == 1 and not self.is_submitted():
            self.rows[0].chosen.data = True

    def nothing_chosen(self) -> str:
        return _("Tick at least one person to assign.")

    def ticked_twice(self, row) -> str:
        return _("%(name)s is ticked in another row already.", name=row.record.name)

    def check_rule(self, row) -> None:
        operations.check_assignable(self.item, row.record)


class PhaseForm(FlaskForm):
    phase = SelectField(
        _l("Phase"),
        choices=[
            SelectChoice(value=phase.value, label=LazyString(_phase_choice_label, phase))
            for phase in Phase
        ],
        validators=[Required(_l("Choose a phase."))],
        invalid_choice_message=_l("Choose one of the transfer phases."),
    )


class LearnerRoleForm(FlaskForm):
    learner_role = SelectField(
        _l("Learner role"),
        choices=enum_choices(LearnerRole),
        validators=[Required(_l("Choose primary or backup."))],
        invalid_choice_message=_l("Choose primary or backup."),
    )
