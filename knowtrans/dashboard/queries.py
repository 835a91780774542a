"""What the start page shows for each role, in a bounded number of queries."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from knowtrans import permissions
from knowtrans.core.clock import today as current_day
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.engagements.readiness_queries import (
    deadline_sql,
    due_within_sql,
    may_await_confirmation_sql,
    readiness_of_many,
)
from knowtrans.extensions import db
from knowtrans.learning.queries import AssignmentSummary, assignment_summaries
from knowtrans.plans.models import Assignment, Phase, PlanItem
from knowtrans.readiness import EngagementReadiness, awaits_confirmation, deadline
from knowtrans.users.models import Role, User

#: an engagement "ends soon" when its planned end is this close (or past, and not closed)
ENDING_SOON_DAYS = 30
#: rows per list on the start page; the full lists live on their own pages
LIST_LIMIT = 10


@dataclass(frozen=True)
class EngagementRow:
    engagement: Engagement
    readiness: EngagementReadiness
    uncovered_critical: int
    awaiting_confirmation: int

    @property
    def ends_in_days(self) -> int:
        return (self.engagement.planned_end_date - current_day()).days


@dataclass(frozen=True)
class CtoSection:
    #: engagements ending soon or with at-risk items
    watch: list[EngagementRow]
    watch_total: int
    status_counts: dict[EngagementStatus, int]
    #: whether the user may start a new engagement from here
    can_start_engagement: bool = False
    ending_soon_days: int = ENDING_SOON_DAYS


@dataclass(frozen=True)
class ItLeadSection:
    handover: list[EngagementRow]
    #: learners working independently whose confirmed level does not reach the target yet
    awaiting: list[Assignment]
    awaiting_total: int


@dataclass(frozen=True)
class StaffSection:
    assignments: list[Assignment]
    total: int
    #: hours and self-assessments per assignment id (learning.queries.assignment_summaries)
    summaries: dict[int, AssignmentSummary]
    #: the plan item's deadline per assignment id (``readiness.deadline``)
    deadlines: dict[int, date | None]


@dataclass(frozen=True)
class ExpertSection:
    engagements: list[EngagementRow]


@dataclass(frozen=True)
class AdminSection:
    active_users: int
    inactive_users: int


@dataclass
class Dashboard:
    cto: CtoSection | None = None
    it_lead: ItLeadSection | None = None
    staff: StaffSection | None = None
    expert: ExpertSection | None = None
    admin: AdminSection | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.cto or self.it_lead or self.staff or self.expert or self.admin)


def dashboard_for(user: User) -> Dashboard:
    """Only the sections the user sees (``permissions.sees_*_section``)."""
    today = current_day()
    ending_soon = today + timedelta(days=ENDING_SOON_DAYS)
    wanted: dict[Role, tuple[sa.ColumnElement[bool], Callable[[EngagementRow], bool]]] = {}
    if permissions.sees_cto_section(user):
        wanted[Role.CTO] = (
            _may_need_watching(today, ending_soon),
            lambda row: row.engagement.planned_end_date <= ending_soon or row.readiness.at_risk > 0,
        )
    if permissions.sees_it_lead_section(user):
        wanted[Role.IT_LEAD] = (
            Engagement.status == EngagementStatus.HANDOVER,
            lambda row: row.engagement.status is EngagementStatus.HANDOVER,
        )
    if permissions.sees_expert_section(user):
        wanted[Role.EXPERT] = (
            Engagement.expert_id == user.id,
            lambda row: row.engagement.expert_id == user.id,
        )
    # the engagements of every section, loaded (with their plans) once
    rows = _open_engagement_rows([condition for condition, _ in wanted.values()])
    listed = {role: [row for row in rows if keep(row)] for role, (_, keep) in wanted.items()}

    dashboard = Dashboard()
    if Role.CTO in listed:
        dashboard.cto = cto_section(
            listed[Role.CTO], can_start_engagement=permissions.can_manage_engagements(user)
        )
    if Role.IT_LEAD in listed:
        dashboard.it_lead = it_lead_section(listed[Role.IT_LEAD])
    if Role.EXPERT in listed:
        dashboard.expert = ExpertSection(listed[Role.EXPERT])
    if permissions.sees_staff_section(user):
        dashboard.staff = staff_section(user)
    if permissions.sees_admin_section(user):
        dashboard.admin = admin_section()
    return dashboard


def _open_engagement_rows(conditions: list[sa.ColumnElement[bool]]) -> list[EngagementRow]:
    """The open engagements matching any condition, with readiness from one lean query."""
    if not conditions:
        return []
    engagements = db.session.scalars(
        sa.select(Engagement)
        .where(Engagement.status != EngagementStatus.CLOSED, sa.or_(*conditions))
        .options(joinedload(Engagement.expert))
        .order_by(Engagement.planned_end_date, Engagement.id)
    ).all()
    readiness = readiness_of_many(engagements)
    rows = []
    for engagement in engagements:
        assessed, items = readiness[engagement.id]
        awaiting = sum(item.awaiting_confirmation for item in items)
        rows.append(EngagementRow(engagement, assessed, assessed.uncovered_critical, awaiting))
    return rows


def _may_need_watching(today: date, ending_soon: date) -> sa.ColumnElement[bool]:
    """Ending soon, or with an item whose deadline is inside the at-risk window.

    A superset: whether such an item is covered (and so not at risk) is left to readiness.
    """
    item_due_soon = (
        sa.select(PlanItem.id)
        .where(PlanItem.engagement_id == Engagement.id, due_within_sql(today))
        .exists()
    )
    return sa.or_(Engagement.planned_end_date <= ending_soon, item_due_soon)


def cto_section(watch: list[EngagementRow], *, can_start_engagement: bool) -> CtoSection:
    counts = dict(
        db.session.execute(
            sa.select(Engagement.status, sa.func.count()).group_by(Engagement.status)
        ).all()
    )
    return CtoSection(
        watch=watch[:LIST_LIMIT],
        watch_total=len(watch),
        status_counts={status: counts.get(status, 0) for status in EngagementStatus},
        can_start_engagement=can_start_engagement,
    )


def it_lead_section(in_handover: list[EngagementRow]) -> ItLeadSection:
    independent = db.session.scalars(
        sa.select(Assignment)
        .join(Assignment.plan_item)
        .join(PlanItem.engagement)
        .where(may_await_confirmation_sql(), Engagement.status != EngagementStatus.CLOSED)
        .options(
            contains_eager(Assignment.plan_item).contains_eager(PlanItem.engagement),
            contains_eager(Assignment.plan_item).joinedload(PlanItem.skill),
            joinedload(Assignment.learner),
            selectinload(Assignment.confirmations),
        )
        .order_by(deadline_sql(), Assignment.id)
    ).all()
    awaiting = [
        assignment
        for assignment in independent
        if awaits_confirmation(
            assignment.phase, assignment.confirmed_level, assignment.plan_item.target_level
        )
    ]
    return ItLeadSection(
        handover=in_handover,
        awaiting=awaiting[:LIST_LIMIT],
        awaiting_total=len(awaiting),
    )


def staff_section(user: User) -> StaffSection:
    mine = (
        sa.select(Assignment)
        .join(Assignment.plan_item)
        .join(PlanItem.engagement)
        .where(Assignment.learner_id == user.id, Engagement.status != EngagementStatus.CLOSED)
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(mine.subquery()))
    # unfinished work first, the nearest deadline first
    signed_off_last = sa.case((Assignment.phase == Phase.SIGNED_OFF, 1), else_=0)
    assignments = db.session.scalars(
        mine.options(
            contains_eager(Assignment.plan_item).contains_eager(PlanItem.engagement),
            contains_eager(Assignment.plan_item).joinedload(PlanItem.skill),
            selectinload(Assignment.confirmations),
        )
        .order_by(
            signed_off_last,
            deadline_sql(),
            Assignment.id,
        )
        .limit(LIST_LIMIT)
    ).all()
    return StaffSection(
        assignments=list(assignments),
        total=total or 0,
        summaries=assignment_summaries([assignment.id for assignment in assignments]),
        deadlines={
            assignment.id: deadline(
                assignment.plan_item.due_date, assignment.plan_item.engagement.planned_end_date
            )
            for assignment in assignments
        },
    )


def admin_section() -> AdminSection:
    counts = dict(
        db.session.execute(sa.select(User.active, sa.func.count()).group_by(User.active)).all()
    )
    return AdminSection(active_users=counts.get(True, 0), inactive_users=counts.get(False, 0))
