"""Forms for the transfer plan: plan items, handover notes, learners and phases."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import DateField, Form, SearchField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from knowtrans.core.concurrency import VersionField
from knowtrans.core.errors import Refused
from knowtrans.core.forms import NoControlCharacters, strip_filter
from knowtrans.core.search import Shortlist
from knowtrans.engagements.forms import (
    Required,
    optional_int,
    person_choice,
    record_select,
    with_placeholder,
)
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


class PlanItemFields(FlaskForm):
    """Target, criticality and due date, shared by adding and editing a plan item."""

    target_level = SelectField(
        _l("Target level"),
        coerce=optional_int,
        choices=level_choices(),
        validators=[Required(_l("Choose a target level."))],
        invalid_value_message=_l("Choose a target level from 1 to 5."),
        invalid_choice_message=_l("Choose a target level from 1 to 5."),
    )
    criticality = SelectField(
        _l("Criticality"),
        choices=enum_choices(Criticality),
        default=Criticality.MEDIUM.value,
        validators=[Required(_l("Choose a criticality."))],
        invalid_choice_message=_l("Choose low, medium, high or critical."),
    )
    due_date = DateField(_l("Due date"), validators=[Optional()])

    def __init__(self, *args, engagement: Engagement, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement


class PlanItemEditForm(PlanItemFields):
    """The skill of an existing item stays fixed."""

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


def _with_submitted(field, model, shown: list) -> list:
    """``shown``, and the row the submitted ``field`` names when it is not among them (chosen
    from another search, or no longer offered), so that the form comes back with it chosen.
    Whether it may be chosen is the operation's rule, asked in validation."""
    if not isinstance(field.data, int) or any(row.id == field.data for row in shown):
        return shown
    submitted = db.session.get(model, field.data)
    return shown if submitted is None else [*shown, submitted]


class PlanItemForm(PlanItemFields):
    skill_id = record_select(
        _l("Skill"), required=_l("Choose a skill."), unknown=_l("Choose a skill from the list.")
    )

    def __init__(self, *args, engagement: Engagement, search: str = "", **kwargs) -> None:
        super().__init__(*args, engagement=engagement, **kwargs)
        self.search = search
        #: the skills the select offers (at most CHOICES_SHOWN) and how many match
        self.skills: Shortlist[Skill] = skills_to_plan(engagement, text=search, limit=CHOICES_SHOWN)
        shown = _with_submitted(self.skill_id, Skill, self.skills.rows)
        # by category: a skill added to those shown joins its category's group
        shown = sorted(shown, key=lambda skill: (skill.category, skill.name, skill.id))
        self.skill_id.choices = with_placeholder(
            _("Choose a skill…"),
            (
                SelectChoice(value=skill.id, label=skill.name, optgroup=skill.category)
                for skill in shown
            ),
        )
        if search and self.skills.total == 1 and not self.is_submitted():
            self.skill_id.data = self.skills.rows[0].id

    def validate_skill_id(self, field) -> None:
        """Whether the skill may go on the plan is the operation's rule (``check_skill``),
        asked here to show its answer with the other fields' messages; the operation asks
        again on saving. Any skill it allows is accepted, shown in the select or not."""
        skill = db.session.get(Skill, field.data)
        if skill is None:
            raise ValidationError(_("Choose a skill from the list."))
        try:
            operations.check_skill(self.engagement, skill)
        except Refused as refusal:
            raise ValidationError(str(refusal)) from None


class NotesForm(FlaskForm):
    handover_notes = TextAreaField(
        _l("Handover notes"),
        validators=[Length(max=MAX_NOTES_LENGTH), NoControlCharacters()],
        filters=[strip_filter],
        render_kw={"rows": 16},
    )
    version = VersionField()


class AssignForm(FlaskForm):
    learner_id = record_select(
        _l("Learner"),
        required=_l("Choose a learner."),
        unknown=_l("Choose a learner from the list."),
    )
    learner_role = SelectField(
        _l("Role in the transfer"),
        choices=enum_choices(LearnerRole),
        default=LearnerRole.PRIMARY.value,
        validators=[Required(_l("Choose primary or backup."))],
        invalid_choice_message=_l("Choose primary or backup."),
    )

    def __init__(self, *args, item: PlanItem, search: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        self.search = search
        #: the people the select offers (at most CHOICES_SHOWN) and how many match
        self.learners: Shortlist[User] = assignable_learners(item, text=search, limit=CHOICES_SHOWN)
        shown = _with_submitted(self.learner_id, User, self.learners.rows)
        self.learner_id.choices = with_placeholder(
            _("Choose a learner…"), map(person_choice, shown)
        )
        if search and self.learners.total == 1 and not self.is_submitted():
            self.learner_id.data = self.learners.rows[0].id

    def validate_learner_id(self, field) -> None:
        """Who may learn is the operation's rule (``check_assignable``), asked here to show
        its answer with the other fields' messages; the operation asks again on saving. Anyone
        it allows is accepted, shown in the select or not."""
        learner = db.session.get(User, field.data)
        if learner is None:
            raise ValidationError(_("Choose a learner from the list."))
        try:
            operations.check_assignable(self.item, learner)
        except Refused as refusal:
            raise ValidationError(str(refusal)) from None


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
