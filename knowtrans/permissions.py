"""The access policy of PRODUCT.md, in one place. Views ask here and nowhere else."""

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from knowtrans.auth.models import Role, User
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db
from knowtrans.learning.models import LearningEntry, OpenQuestion
from knowtrans.plans.models import Assignment, PlanItem

#: roles that see every engagement
OVERSIGHT_ROLES = (Role.ADMIN, Role.CTO, Role.IT_LEAD)


class EngagementClosed(Forbidden):
    """A write on a closed engagement: its record is read-only."""

    #: the error page shows this description to the user
    show_description = True
    description = (
        "This engagement is closed. Its plan, assignments, learning log and confirmations "
        "are read-only; the final handover report is the record."
    )


def require(allowed: bool, *, hide: bool = False) -> None:
    """Abort with 403, or 404 where the object's existence must not leak; audited."""
    if not allowed:
        status = 404 if hide else 403
        record_denial(status, "not visible" if hide else "not allowed")
        abort(status)


def require_change(allowed: bool, engagement: Engagement) -> None:
    """Refuse a write that is not allowed, saying so when the engagement is closed."""
    if engagement.is_closed:
        record_denial(403, f"engagement {engagement.id} is closed")
        raise EngagementClosed()
    require(allowed)


def record_denial(status: int, reason: str) -> None:
    """An audit event for a refused request, committed even though the request fails."""
    from knowtrans.audit.operations import record_event

    actor = current_user._get_current_object() if current_user.is_authenticated else None
    db.session.rollback()
    record_event(
        actor,
        "access.denied",
        None,
        f"{status} {request.method} {request.path} ({reason})",
        object_type="request",
    )
    db.session.commit()


def can_manage_users(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def can_manage_skills(user: User) -> bool:
    return user.has_role(Role.ADMIN, Role.CTO, Role.IT_LEAD)


def can_manage_engagements(user: User) -> bool:
    return user.has_role(Role.CTO)


def is_assigned_to(user: User, engagement: Engagement) -> bool:
    query = (
        sa.select(Assignment.id)
        .join(PlanItem)
        .where(PlanItem.engagement_id == engagement.id, Assignment.learner_id == user.id)
        .limit(1)
    )
    return db.session.execute(query).first() is not None


def is_expert_of(user: User, engagement: Engagement) -> bool:
    return user.has_role(Role.EXPERT) and engagement.expert_id == user.id


def can_view_engagement(user: User, engagement: Engagement) -> bool:
    if user.has_role(*OVERSIGHT_ROLES) or is_expert_of(user, engagement):
        return True
    return user.has_role(Role.STAFF) and is_assigned_to(user, engagement)


def can_edit_plan(user: User, engagement: Engagement) -> bool:
    """Create/edit the engagement and its transfer plan, assign learners."""
    return can_manage_engagements(user) and not engagement.is_closed


def can_confirm_levels(user: User, engagement: Engagement) -> bool:
    """Confirm a learner's level and write handover notes."""
    if engagement.is_closed:
        return False
    return user.has_role(Role.IT_LEAD) or is_expert_of(user, engagement)


def can_confirm_assignment(user: User, assignment: Assignment) -> bool:
    """Confirm this learner's level: never one's own."""
    return assignment.learner_id != user.id and can_confirm_levels(
        user, assignment.plan_item.engagement
    )


def can_record_learning(user: User, assignment: Assignment) -> bool:
    return (
        user.has_role(Role.STAFF)
        and assignment.learner_id == user.id
        and not assignment.plan_item.engagement.is_closed
    )


def can_edit_entry(user: User, entry: LearningEntry) -> bool:
    """The learner edits or deletes their own entries, unless a lead has hidden one."""
    return not entry.is_hidden and can_record_learning(user, entry.assignment)


def can_hide_entries(user: User, engagement: Engagement) -> bool:
    """Hide learning entries (one, or a learner's in bulk) with a reason: a CTO or IT lead."""
    return user.has_role(Role.CTO, Role.IT_LEAD) and not engagement.is_closed


def can_generate_report(user: User) -> bool:
    return user.has_role(Role.CTO, Role.IT_LEAD)


def can_see_all_engagements(user: User) -> bool:
    return user.has_role(*OVERSIGHT_ROLES)


def can_resolve_question(user: User, question: OpenQuestion) -> bool:
    """Resolve one open question: not on an entry a lead has hidden."""
    entry = question.entry
    return not entry.is_hidden and can_resolve_questions(user, entry.assignment)


def can_resolve_questions(user: User, assignment: Assignment) -> bool:
    """Mark an assignment's open questions resolved: the learner, the expert or an IT lead."""
    engagement = assignment.plan_item.engagement
    if engagement.is_closed:
        return False
    return assignment.learner_id == user.id or can_confirm_levels(user, engagement)


#: an engagement can be closed from these statuses
CLOSABLE_STATUSES = (EngagementStatus.ACTIVE, EngagementStatus.HANDOVER)


def can_close_engagement(user: User, engagement: Engagement) -> bool:
    return can_generate_report(user) and engagement.status in CLOSABLE_STATUSES


def can_download_final_report(user: User, engagement: Engagement) -> bool:
    return can_view_engagement(user, engagement)


# --- the start page: which sections a user sees ---------------------------------------


def sees_cto_section(user: User) -> bool:
    """Engagements to watch (ending soon or with items at risk) and counts per status."""
    return user.has_role(Role.CTO)


def sees_it_lead_section(user: User) -> bool:
    """Engagements in handover and the learners awaiting a confirmation."""
    return user.has_role(Role.IT_LEAD)


def sees_expert_section(user: User) -> bool:
    """The open engagements whose knowledge the user hands over."""
    return user.has_role(Role.EXPERT)


def sees_staff_section(user: User) -> bool:
    """The user's own assignments as a learner."""
    return user.has_role(Role.STAFF)


def sees_admin_section(user: User) -> bool:
    """How many accounts are active and inactive, with a link to manage them."""
    return can_manage_users(user)
