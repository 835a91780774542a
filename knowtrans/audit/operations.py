from knowtrans.audit.models import AuditEvent
from knowtrans.core.db import Stored
from knowtrans.extensions import db
from knowtrans.users.models import User


def record_event(
    actor: User | None,
    action: str,
    obj: Stored | None,
    summary: str = "",
    *,
    engagement_id: int | None = None,
    object_type: str | None = None,
) -> AuditEvent:
    """Record an audit event for ``obj`` (or for an ``object_type`` without one); flushes."""
    db.session.flush()
    event = AuditEvent(
        actor=actor,
        action=action,
        object_type=obj.__tablename__ if obj is not None else (object_type or ""),
        object_id=obj.id if obj is not None else None,
        engagement_id=engagement_id,
        summary=summary[:500],
    )
    db.session.add(event)
    db.session.flush()
    return event
