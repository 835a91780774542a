"""Reads of the transfer plan that forms and operations share."""

import sqlalchemy as sa

from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.plans.models import Assignment, PlanItem
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role, User, UserKind, UserRole


def skills_to_plan(engagement: Engagement) -> list[Skill]:
    """Skills of the catalogue not archived and not yet on the engagement's plan."""
    planned = sa.select(PlanItem.skill_id).where(PlanItem.engagement_id == engagement.id)
    return list(
        db.session.scalars(
            sa.select(Skill)
            .where(Skill.archived.is_(False), Skill.id.not_in(planned))
            .order_by(Skill.category, Skill.name)
        )
    )


def skill_on_plan(engagement: Engagement, skill: Skill) -> bool:
    query = sa.select(PlanItem.id).where(
        PlanItem.engagement_id == engagement.id, PlanItem.skill_id == skill.id
    )
    return db.session.execute(query).first() is not None


def assignable_learners(item: PlanItem) -> list[User]:
    """Active internal staff members not yet assigned to ``item``, the expert aside: the
    choices the rule of ``operations.check_learner`` allows."""
    assigned = sa.select(Assignment.learner_id).where(Assignment.plan_item_id == item.id)
    query = (
        sa.select(User)
        .join(UserRole)
        .where(
            UserRole.role == Role.STAFF,
            User.active.is_(True),
            User.kind == UserKind.INTERNAL,
            User.id.not_in(assigned),
            User.id != item.engagement.expert_id,
        )
        .order_by(User.name, User.id)
    )
    return list(db.session.scalars(query))


def is_assigned(item: PlanItem, learner: User) -> bool:
    query = sa.select(Assignment.id).where(
        Assignment.plan_item_id == item.id, Assignment.learner_id == learner.id
    )
    return db.session.execute(query).first() is not None
