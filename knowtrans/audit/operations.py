from knowtrans.audit.models import AuditEvent
from knowtrans.auth.models import User
from knowtrans.extensions import db


def record_event(
    actor: User | None,
    action: str,
    obj: db.Model,
    summary: str = "",
    *,
    engagement_id: int | None = None,
) -> AuditEvent:
    """Record an audit event for ``obj``; flushes so the object has its id."""
    db.session.flush()
    event = AuditEvent(
        actor=actor,
        action=action,
        object_type=obj.__tablename__,
        object_id=obj.id,
        engagement_id=engagement_id,
        summary=summary[:500],
    )
    db.session.add(event)
    db.session.flush()
    return event
