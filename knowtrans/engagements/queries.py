"""Reads for engagements: which ones a user may see, who may be their expert."""

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from knowtrans import permissions
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.users.models import Role, User, UserRole


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
    """The engagements ``user`` may see, by the policy's own condition."""
    return sa.select(Engagement).where(permissions.visible_engagements_condition(user))


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def engagement_list(user: User, *, status: str | None, text: str | None) -> sa.Select:
    """The engagements ``user`` may see, filtered by status and by text in the title, client,
    project or expert's name; the newest first."""
    query = visible_engagements(user)
    if status:
        query = query.where(Engagement.status == status)
    if text:
        pattern = like_pattern(text)
        expert = aliased(User)
        query = query.join(expert, Engagement.expert).where(
            sa.or_(
                Engagement.title.ilike(pattern, escape="\\"),
                Engagement.client.ilike(pattern, escape="\\"),
                Engagement.project.ilike(pattern, escape="\\"),
                expert.name.ilike(pattern, escape="\\"),
            )
        )
    return query.options(joinedload(Engagement.expert)).order_by(
        Engagement.start_date.desc(), Engagement.id.desc()
    )
