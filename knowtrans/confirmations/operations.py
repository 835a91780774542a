"""Level confirmations. Each function enforces its rules (raising ``Refused``) and flushes;
the request pipeline commits."""

from flask_babel import gettext as _

from knowtrans.audit.operations import record_event
from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.core.errors import Refused
from knowtrans.extensions import db
from knowtrans.plans.models import LEVELS, Assignment, Phase
from knowtrans.plans.operations import set_phase
from knowtrans.users.models import User


def confirm_level(
    assignment: Assignment, *, level: int, comment: str, actor: User, sign_off: bool = False
) -> LevelConfirmation:
    """Add a confirmation; earlier ones stay as history and the latest one counts.

    With ``sign_off`` the learner also moves to the signed-off phase (which needs the
    confirmed level to reach the target); a signed-off learner confirmed below the target
    goes back to working independently. Raises Refused for a confirmation of one's own level,
    a level that is none of ``LEVELS`` or a sign-off below the target.
    """
    if actor.id == assignment.learner_id:
        raise Refused(_("Nobody confirms their own level: the expert or an IT lead does."))
    if level not in LEVELS:
        raise Refused(_("Choose a level from 1 (Novice) to 5 (Expert)."), field="level")
    if sign_off:
        check_sign_off(level, assignment.plan_item.target_level)
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
    db.session.flush()
    db.session.refresh(assignment, ["confirmations"])
    if sign_off:
        set_phase(assignment, Phase.SIGNED_OFF, actor=actor)
    elif assignment.phase is Phase.SIGNED_OFF and level < assignment.plan_item.target_level:
        # a sign-off stands only while the confirmed level reaches the target
        set_phase(assignment, Phase.INDEPENDENT, actor=actor)
    return confirmation


def check_sign_off(level: int, target_level: int) -> None:
    """Signing off needs a confirmed level at or above the target."""
    if level < target_level:
        raise Refused(
            _(
                "Signing off needs a level of at least %(level)s (%(name)s), the target.",
                level=target_level,
                name=LEVELS[target_level],
            ),
            field="sign_off",
        )


def confirmation_summary(assignment: Assignment, level: int) -> str:
    return _(
        "Confirmed %(name)s at %(level)s (%(level_name)s) for %(skill)s",
        name=assignment.learner.name,
        level=level,
        level_name=LEVELS[level],
        skill=assignment.plan_item.skill.name,
    )
