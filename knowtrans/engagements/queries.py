"""Reads for engagements: which ones a user may see, who may be their expert, what
happened to one."""

import sqlalchemy as sa
from flask_babel import get_timezone
from sqlalchemy.orm import aliased, joinedload

from knowtrans import permissions
from knowtrans.audit.models import AuditEvent
from knowtrans.core import changes
from knowtrans.core.clock import today
from knowtrans.core.i18n import current_language
from knowtrans.core.search import contains
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


def engagement_list(user: User, *, status: str | None, text: str | None) -> sa.Select:
    """The engagements ``user`` may see, filtered by status and by text in the title, client,
    project or expert's name; the newest first."""
    query = visible_engagements(user)
    if status:
        query = query.where(Engagement.status == status)
    if text:
        expert = aliased(User)
        query = query.join(expert, Engagement.expert).where(
            contains(text, Engagement.title, Engagement.client, Engagement.project, expert.name)
        )
    return query.options(joinedload(Engagement.expert)).order_by(
        Engagement.start_date.desc(), Engagement.id.desc()
    )


def history_of(engagement_id: int) -> sa.Select:
    """The engagement's audit events, newest first, with who made them: its history."""
    return (
        sa.select(AuditEvent)
        .where(AuditEvent.engagement_id == engagement_id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )


def latest_history(engagement_id: int, *, limit: int) -> tuple[list[AuditEvent], bool]:
    """The engagement's ``limit`` latest events, newest first, and whether there are more."""
    events = list(db.session.scalars(history_of(engagement_id).limit(limit + 1)))
    return events[:limit], len(events) > limit


def plan_part_key(engagement_id: int, viewer_id: int) -> tuple:
    """What the engagement page's facts, readiness and plan depend on: the engagement's and
    the shared data's change counters (the viewer's roles are shared data), the day
    (deadlines, risk), the viewer (rights, "not yourself"), and the language and time zone
    the request speaks (the words, and how dates are written)."""
    return (
        "engagement-plan",
        engagement_id,
        *changes.generations(engagement_id),
        today(),
        viewer_id,
        current_language(),
        str(get_timezone()),
    )
