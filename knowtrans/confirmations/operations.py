"""Level confirmations. Each function flushes; the caller commits."""

from knowtrans.audit.operations import record_event
from knowtrans.auth.models import User
from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.extensions import db
from knowtrans.plans.models import LEVELS, Assignment


def confirm_level(
    assignment: Assignment, *, level: int, comment: str, actor: User
) -> LevelConfirmation:
    """Add a confirmation; earlier ones stay as history and the latest one counts."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {sorted(LEVELS)}, not {level!r}")
    confirmation = LevelConfirmation(
        assignment=assignment, level=level, comment=comment, confirmed_by=actor
    )
    db.session.add(confirmation)
    record_event(
        actor,
        "assignment.confirm",
        assignment,
        confirmation_summary(assignment, level),
        engagement_id=assignment.plan_item.engagement_id,
    )
    return confirmation


def confirmation_summary(assignment: Assignment, level: int) -> str:
    return (
        f"Confirmed {assignment.learner.name} at {level} ({LEVELS[level]}) "
        f"for {assignment.plan_item.skill.name}"
    )
