"""Reads of the transfer plan that forms and operations share."""

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from knowtrans.core.search import Shortlist, contains, shortlist
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.plans.models import Assignment, PlanItem
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role, User, UserKind, UserRole


def skills_to_plan(engagement: Engagement, *, text: str = "", limit: int) -> Shortlist[Skill]:
    """Skills of the catalogue not archived and not yet on the engagement's plan, by category
    and name; those whose name or category contains ``text`` when it is given. At most
    ``limit`` of them, and how many there are."""
    planned = sa.select(PlanItem.skill_id).where(PlanItem.engagement_id == engagement.id)
    query = (
        sa.select(Skill)
        .where(Skill.archived.is_(False), Skill.id.not_in(planned))
        .order_by(Skill.category, Skill.name, Skill.id)
    )
    if text:
        query = query.where(contains(text, Skill.name, Skill.category))
    return shortlist(query, limit)


def skill_on_plan(engagement: Engagement, skill: Skill) -> bool:
    query = sa.select(PlanItem.id).where(
        PlanItem.engagement_id == engagement.id, PlanItem.skill_id == skill.id
    )
    return db.session.execute(query).first() is not None


def assignable_learners(item: PlanItem, *, text: str = "", limit: int) -> Shortlist[User]:
    """Active internal staff members not yet assigned to ``item``, the expert aside (the
    people the rule of ``operations.check_assignable`` allows), by name; those whose name or
    e-mail address contains ``text`` when it is given. At most ``limit`` of them, and how many
    there are."""
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
        # name and address are shown; their roles are not
        .options(lazyload(User.role_rows))
        .order_by(User.name, User.id)
    )
    if text:
        query = query.where(contains(text, User.name, User.email))
    return shortlist(query, limit)


def is_assigned(item: PlanItem, learner: User) -> bool:
    query = sa.select(Assignment.id).where(
        Assignment.plan_item_id == item.id, Assignment.learner_id == learner.id
    )
    return db.session.execute(query).first() is not None
