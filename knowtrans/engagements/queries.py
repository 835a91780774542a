"""Reads for engagements: which ones a user may see, who may be their expert."""

import sqlalchemy as sa

from knowtrans import permissions
from knowtrans.auth.models import Role, User, UserRole
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.plans.models import Assignment, PlanItem


def active_experts() -> list[User]:
    """Who can be chosen as an engagement's expert, by name."""
    query = (
        sa.select(User)
        .join(UserRole)
        .where(UserRole.role == Role.EXPERT, User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return list(db.session.scalars(query))


def visible_engagements(user: User) -> sa.Select:
    """The engagements ``user`` may see; mirrors ``permissions.can_view_engagement``."""
    query = sa.select(Engagement)
    if permissions.can_see_all_engagements(user):
        return query
    conditions = []
    if user.has_role(Role.EXPERT):
        conditions.append(Engagement.expert_id == user.id)
    if user.has_role(Role.STAFF):
        assigned = (
            sa.select(PlanItem.engagement_id)
            .join(Assignment)
            .where(Assignment.learner_id == user.id)
        )
        conditions.append(Engagement.id.in_(assigned))
    if not conditions:
        return query.where(sa.false())
    return query.where(sa.or_(*conditions))


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
