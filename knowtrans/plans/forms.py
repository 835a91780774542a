"""Forms for the transfer plan: plan items, handover notes, learners and phases."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from knowtrans.core.concurrency import VersionField
from knowtrans.core.forms import NoControlCharacters, strip_filter
from knowtrans.engagements.forms import (
    Required,
    optional_int,
    person_choice,
    record_select,
    with_placeholder,
)
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.plans.models import LEVELS, Criticality, LearnerRole, Phase, PlanItem
from knowtrans.plans.queries import assignable_learners, skills_to_plan
from knowtrans.skills.models import Skill
from knowtrans.users.models import User

#: the longest handover notes a plan item keeps (Markdown)
MAX_NOTES_LENGTH = 20_000


def level_choices() -> list[SelectChoice]:
    return [SelectChoice(value="", label="Choose a level…")] + [
        SelectChoice(value=level, label=f"{level} · {name}") for level, name in LEVELS.items()
    ]


def enum_choices(enum_cls) -> list[SelectChoice]:
    return [SelectChoice(value=member.value, label=member.label) for member in enum_cls]


class PlanItemFields(FlaskForm):
    """Target, criticality and due date, shared by adding and editing a plan item."""

    target_level = SelectField(
        "Target level",
        coerce=optional_int,
        choices=level_choices(),
        validators=[Required("Choose a target level.")],
        invalid_value_message="Choose a target level from 1 to 5.",
        invalid_choice_message="Choose a target level from 1 to 5.",
    )
    criticality = SelectField(
        "Criticality",
        choices=enum_choices(Criticality),
        default=Criticality.MEDIUM.value,
        validators=[Required("Choose a criticality.")],
        invalid_choice_message="Choose low, medium, high or critical.",
    )
    due_date = DateField("Due date", validators=[Optional()])

    def __init__(self, *args, engagement: Engagement, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement


class PlanItemEditForm(PlanItemFields):
    """The skill of an existing item stays fixed."""

    version = VersionField()


class PlanItemForm(PlanItemFields):
    skill_id = record_select(
        "Skill", required="Choose a skill.", unknown="Choose a skill from the list."
    )

    def __init__(self, *args, engagement: Engagement, **kwargs) -> None:
        super().__init__(*args, engagement=engagement, **kwargs)
        skills = skills_to_plan(engagement)
        self.skill_id.choices = with_placeholder(
            "Choose a skill…",
            (
                SelectChoice(value=skill.id, label=skill.name, optgroup=skill.category)
                for skill in skills
            ),
        )
        self.available_skills = skills

    def validate_skill_id(self, field) -> None:
        """Whether the skill may go on the plan is the operation's rule."""
        if db.session.get(Skill, field.data) is None:
            raise ValidationError("Choose a skill from the list.")


class NotesForm(FlaskForm):
    handover_notes = TextAreaField(
        "Handover notes",
        validators=[Length(max=MAX_NOTES_LENGTH), NoControlCharacters()],
        filters=[strip_filter],
        render_kw={"rows": 16},
    )
    version = VersionField()


class AssignForm(FlaskForm):
    learner_id = record_select(
        "Learner", required="Choose a learner.", unknown="Choose a learner from the list."
    )
    learner_role = SelectField(
        "Role in the transfer",
        choices=enum_choices(LearnerRole),
        default=LearnerRole.PRIMARY.value,
        validators=[Required("Choose primary or backup.")],
        invalid_choice_message="Choose primary or backup.",
    )

    def __init__(self, *args, item: PlanItem, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        self.learners = assignable_learners(item)
        self.learner_id.choices = with_placeholder(
            "Choose a learner…", map(person_choice, self.learners)
        )

    def validate_learner_id(self, field) -> None:
        """Who may learn is the operation's rule (plans.operations.check_learner)."""
        if db.session.get(User, field.data) is None:
            raise ValidationError("Choose a learner from the list.")


class PhaseForm(FlaskForm):
    phase = SelectField(
        "Phase",
        choices=[
            SelectChoice(value=phase.value, label=f"{phase.step}. {phase.label}") for phase in Phase
        ],
        validators=[Required("Choose a phase.")],
        invalid_choice_message="Choose one of the transfer phases.",
    )


class LearnerRoleForm(FlaskForm):
    learner_role = SelectField(
        "Learner role",
        choices=enum_choices(LearnerRole),
        validators=[Required("Choose primary or backup.")],
        invalid_choice_message="Choose primary or backup.",
    )
