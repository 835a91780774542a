"""Reads of the audit trail that pages need: who changed an object last."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from knowtrans.audit.models import AuditEvent
from knowtrans.core.concurrency import ConflictNotice
from knowtrans.core.db import Stored
from knowtrans.extensions import db
from knowtrans.users.models import User

#: events about an object that do not move its version: a conflict is never theirs
UNVERSIONED_ACTIONS = (
    "access.denied",
    "auth.login_failed",
    "auth.password_change_failed",
    "user.password_change",
    "user.password_reset",
    "user.activate",
    "user.deactivate",
    "user.profile",  # language and time zone, saved past the version like a password
)


def conflict_notice(obj: Stored, what: str, *, viewer: User) -> ConflictNotice:
    """Name the latest change of ``obj`` from its audit trail ("someone else" without one).

    Creation events are skipped (a version only moves on updates, and a creation event would
    name the wrong person), and so are the events that leave the version alone (a failed
    sign-in, a password reset).
    """
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.object_type == obj.__tablename__,
            AuditEvent.object_id == obj.id,
            AuditEvent.action.not_like("%.create"),
            AuditEvent.action.not_in(UNVERSIONED_ACTIONS),
        )
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(1)
    ).first()
    if event is None:
        return ConflictNotice(what)
    return ConflictNotice(
        what,
        saved_by=event.actor.name if event.actor else None,
        saved_at=event.created_at,
        by_viewer=event.actor_id is not None and event.actor_id == viewer.id,
        summary=event.summary,
    )


def engagement_history(engagement_id: int, *, limit: int) -> list[AuditEvent]:
    """The engagement's latest audit events, newest first, with who made them."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.engagement_id == engagement_id)
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
