"""The access policy, in one place: who may see and do what (README, "Roles"). Views, templates
and queries ask here and nowhere else."""

import enum
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import Forbidden, NotFound

from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db
from knowtrans.learning.models import LearningEntry, OpenQuestion
from knowtrans.plans.models import Assignment, PlanItem
from knowtrans.users.models import Role, User

#: roles that see every engagement
OVERSIGHT_ROLES = (Role.ADMIN, Role.CTO, Role.IT_LEAD)


def _audit_denial(status: int, reason: str) -> Callable[[], None]:
    """The ``access.denied`` event of a refused request; the error page records and commits
    it, and nothing else of the request."""
    actor = current_user._get_current_object() if current_user.is_authenticated else None
    summary = f"{status} {request.method} {request.path} ({reason})"

    def record() -> None:
        from knowtrans.audit.operations import record_event

        record_event(actor, "access.denied", None, summary, object_type="request")

    return record


class Denied(Forbidden):
    """403: the user may not do this."""

    def __init__(self, reason: str = "not allowed") -> None:
        super().__init__()
        self.audit = _audit_denial(403, reason)


class Hidden(NotFound):
    """404 where the object's existence must not leak."""

    def __init__(self) -> None:
        super().__init__()
        self.audit = _audit_denial(404, "not visible")


class EngagementClosed(Forbidden):
    """A write on a closed engagement, or one being closed: its record is read-only."""

    #: the error page shows this description to the user
    show_description = True
    closed_description = _l(
        "This engagement is closed. Its plan, assignments, learning log and confirmations "
        "are read-only; the final handover report is the record."
    )
    closing_description = _l(
        "This engagement is being closed: its final report is being built from the record "
        "as it stands, so nothing can be changed meanwhile. If closing fails, the engagement "
        "opens again."
    )

    def __init__(self, engagement: Engagement) -> None:
        closed = engagement.is_closed
        super().__init__(str(self.closed_description if closed else self.closing_description))
        state = "closed" if engagement.is_closed else "being closed"
        self.audit = _audit_denial(403, f"engagement {engagement.id} is {state}")


def require(allowed: bool, *, hide: bool = False) -> None:
    """Refuse with 403, or 404 where the object's existence must not leak; audited."""
    if not allowed:
        raise Hidden() if hide else Denied()


def require_change(allowed: bool, engagement: Engagement) -> None:
    """Refuse a write that is not allowed, saying so when the engagement is closed."""
    if engagement.is_locked:
        raise EngagementClosed(engagement)
    require(allowed)


class Action(enum.Enum):
    """What a request does to an object of an engagement; ``authorize`` checks it."""

    VIEW = "view"
    EDIT_PLAN = "edit the engagement and its plan"
    WRITE_NOTES = "write handover notes"
    CONFIRM = "confirm a learner's level"
    RECORD = "record learning"
    EDIT_ENTRY = "edit or delete a learning entry"
    RESOLVE_QUESTION = "resolve an open question"
    HIDE_ENTRIES = "hide learning entries"
    GENERATE_REPORT = "generate a draft report"
    DOWNLOAD_FINAL = "download the final report"

    @property
    def writes(self) -> bool:
        """Whether the action changes the engagement's record (refused once it is closed)."""
        return self not in (Action.VIEW, Action.GENERATE_REPORT, Action.DOWNLOAD_FINAL)


def engagement_of(obj: object) -> Engagement:
    """The engagement an engagement, plan item, assignment, entry or question belongs to."""
    if isinstance(obj, OpenQuestion):
        obj = obj.entry
    if isinstance(obj, LearningEntry):
        obj = obj.assignment
    if isinstance(obj, Assignment):
        obj = obj.plan_item
    if isinstance(obj, PlanItem):
        obj = obj.engagement
    if not isinstance(obj, Engagement):
        raise TypeError(f"{obj!r} belongs to no engagement")
    return obj


def authorize(action: Action, obj: object) -> None:
    """Let the signed-in user do ``action`` on ``obj``, or refuse: 404 when its engagement is
    not visible to them, 403 for a write on a closed engagement or an action not theirs."""
    user = current_user
    engagement = engagement_of(obj)
    require(can_view_engagement(user, engagement), hide=True)
    if action is Action.VIEW:
        return
    if action.writes and engagement.is_locked:
        raise EngagementClosed(engagement)
    require(RULES[action](user, obj))


def can_edit_profile(user: User, account: User) -> bool:
    """Their own language and time zone: every signed-in, active user, for their own account
    only (an admin changes other accounts in the user administration)."""
    return user.active and account.id == user.id


def can_manage_users(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def can_set_active(user: User, account: User) -> bool:
    """Deactivate or reactivate ``account``: an admin, for any account but their own
    (``users.operations.set_active`` refuses deactivating it; another admin has to)."""
    return can_manage_users(user) and account.id != user.id


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
    """Oversight roles see every engagement; the expert theirs; staff those they learn on.

    ``visible_engagements_condition`` says the same in SQL, for lists.
    """
    if user.has_role(*OVERSIGHT_ROLES) or is_expert_of(user, engagement):
        return True
    return user.has_role(Role.STAFF) and is_assigned_to(user, engagement)


def visible_engagements_condition(user: User) -> sa.ColumnElement[bool]:
    """``can_view_engagement`` as a condition on ``Engagement`` rows, for lists and counts.
    ``tests/test_permissions.py`` proves the two agree for every role over the demo data."""
    if user.has_role(*OVERSIGHT_ROLES):
        return sa.true()
    conditions: list[sa.ColumnElement[bool]] = []
    if user.has_role(Role.EXPERT):
        conditions.append(Engagement.expert_id == user.id)
    if user.has_role(Role.STAFF):
        assigned = (
            sa.select(PlanItem.engagement_id)
            .join(Assignment)
            .where(Assignment.learner_id == user.id)
        )
        conditions.append(Engagement.id.in_(assigned))
    return sa.or_(*conditions) if conditions else sa.false()


def can_edit_plan(user: User, engagement: Engagement) -> bool:
    """Create/edit the engagement and its transfer plan, assign learners."""
    return can_manage_engagements(user) and not engagement.is_locked


def can_confirm_levels(user: User, engagement: Engagement) -> bool:
    """Confirm a learner's level and write handover notes."""
    if engagement.is_locked:
        return False
    return user.has_role(Role.IT_LEAD) or is_expert_of(user, engagement)


def can_confirm_assignment(user: User, assignment: Assignment) -> bool:
    """Confirm this learner's level: never one's own."""
    return assignment.learner_id != user.id and can_confirm_levels(
        user, assignment.plan_item.engagement
    )


def can_learn(user: User) -> bool:
    """Has a page of their own assignments: staff, the only ones who can be learners."""
    return user.has_role(Role.STAFF)


def can_record_learning(user: User, assignment: Assignment) -> bool:
    return (
        user.has_role(Role.STAFF)
        and assignment.learner_id == user.id
        and not assignment.plan_item.engagement.is_locked
    )


def can_edit_entry(user: User, entry: LearningEntry) -> bool:
    """The learner edits or deletes their own entries, unless a lead has hidden one."""
    return not entry.is_hidden and can_record_learning(user, entry.assignment)


def can_hide_entries(user: User, engagement: Engagement) -> bool:
    """Hide learning entries (one, or a learner's in bulk) with a reason: a CTO or IT lead."""
    return user.has_role(Role.CTO, Role.IT_LEAD) and not engagement.is_locked


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
    if engagement.is_locked:
        return False
    return assignment.learner_id == user.id or can_confirm_levels(user, engagement)


#: an engagement can be closed from these statuses
CLOSABLE_STATUSES = (EngagementStatus.ACTIVE, EngagementStatus.HANDOVER)


def can_close_engagement(user: User, engagement: Engagement) -> bool:
    return (
        can_generate_report(user)
        and engagement.status in CLOSABLE_STATUSES
        and not engagement.is_closing
    )


def can_download_final_report(user: User, engagement: Engagement) -> bool:
    return can_view_engagement(user, engagement)


# --- the start page: which sections a user sees ---------------------------------------


def sees_cto_section(user: User) -> bool:
    """Engagements to watch (ending soon or with items at risk) and counts per status."""
    return user.has_role(Role.CTO)


def sees_it_lead_section(user: User) -> bool:
    """Engagements in handover, active engagements with plan items at risk, and the
    learners awaiting a confirmation."""
    return user.has_role(Role.IT_LEAD)


def sees_expert_section(user: User) -> bool:
    """The open engagements whose knowledge the user hands over."""
    return user.has_role(Role.EXPERT)


def sees_staff_section(user: User) -> bool:
    """The user's own assignments as a learner."""
    return user.has_role(Role.STAFF)


def sees_admin_section(user: User) -> bool:
    """The accounts: how many are active and inactive, those without a sign-in for a long
    time, the deactivated ones; skills without a category; the latest audit events. What an
    admin alone manages (users) or reads (the whole audit log)."""
    return can_manage_users(user)


#: the rule of each action, given the user and the object ``authorize`` was asked about
RULES: dict[Action, Callable[[User, Any], bool]] = {
    Action.EDIT_PLAN: lambda user, obj: can_edit_plan(user, engagement_of(obj)),
    Action.WRITE_NOTES: lambda user, obj: can_confirm_levels(user, engagement_of(obj)),
    Action.CONFIRM: can_confirm_assignment,
    Action.RECORD: can_record_learning,
    Action.EDIT_ENTRY: can_edit_entry,
    Action.RESOLVE_QUESTION: can_resolve_question,
    Action.HIDE_ENTRIES: lambda user, obj: can_hide_entries(user, engagement_of(obj)),
    Action.GENERATE_REPORT: lambda user, obj: can_generate_report(user),
    Action.DOWNLOAD_FINAL: lambda user, obj: can_download_final_report(user, engagement_of(obj)),
}
