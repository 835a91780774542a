"""What the start page shows for each role, in a bounded number of queries."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from knowtrans import permissions
from knowtrans.core.clock import today as current_day
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.engagements.readiness_queries import (
    at_risk_sql,
    awaits_confirmation_sql,
    deadline_sql,
    readiness_of_many,
)
from knowtrans.extensions import db
from knowtrans.learning.queries import AssignmentSummary, assignment_summaries
from knowtrans.plans.models import Assignment, Phase, PlanItem
from knowtrans.readiness import EngagementReadiness, deadline
from knowtrans.users.models import Role, User

#: an engagement "ends soon" when its planned end is this close (or past, and not closed)
ENDING_SOON_DAYS = 30
#: rows per list on the start page; the full lists live on their own pages. Each list is
#: selected, sorted, counted and cut to this length in SQL: the page reads the same
#: number of rows for a company of ten engagements or of thousands.
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
    handover_total: int
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
    lists: dict[Role, tuple[list[Engagement], int]] = {}
    if permissions.sees_cto_section(user):
        lists[Role.CTO] = _open_engagements(
            _needs_watching(today, today + timedelta(days=ENDING_SOON_DAYS)), LIST_LIMIT
        )
    if permissions.sees_it_lead_section(user):
        lists[Role.IT_LEAD] = _open_engagements(
            Engagement.status == EngagementStatus.HANDOVER, LIST_LIMIT
        )
    if permissions.sees_expert_section(user):
        # an expert's own engagements: a handful, however large the company
        lists[Role.EXPERT] = _open_engagements(Engagement.expert_id == user.id)
    # the plans of every listed engagement, read once
    rows = _engagement_rows([e for engagements, _ in lists.values() for e in engagements])

    def listed(role: Role) -> tuple[list[EngagementRow], int]:
        engagements, total = lists[role]
        return [rows[engagement.id] for engagement in engagements], total

    dashboard = Dashboard()
    if Role.CTO in lists:
        watch, watch_total = listed(Role.CTO)
        dashboard.cto = cto_section(
            watch, watch_total, can_start_engagement=permissions.can_manage_engagements(user)
        )
    if Role.IT_LEAD in lists:
        dashboard.it_lead = it_lead_section(*listed(Role.IT_LEAD))
    if Role.EXPERT in lists:
        dashboard.expert = ExpertSection(listed(Role.EXPERT)[0])
    if permissions.sees_staff_section(user):
        dashboard.staff = staff_section(user)
    if permissions.sees_admin_section(user):
        dashboard.admin = admin_section()
    return dashboard


def _open_engagements(
    condition: sa.ColumnElement[bool], limit: int | None = None
) -> tuple[list[Engagement], int]:
    """The open engagements matching ``condition``, the nearest planned end first, at most
    ``limit`` of them; and how many match, counted in the same statement."""
    total = sa.func.count().over().label("total")
    query = (
        sa.select(Engagement, total)
        .where(Engagement.status != EngagementStatus.CLOSED, condition)
        # the expert's name is shown; their roles are not
        .options(joinedload(Engagement.expert).options(lazyload(User.role_rows)))
        .order_by(Engagement.planned_end_date, Engagement.id)
    )
    if limit is not None:
        query = query.limit(limit)
    found = db.session.execute(query).all()
    return [engagement for engagement, _ in found], found[0].total if found else 0


def _engagement_rows(engagements: list[Engagement]) -> dict[int, EngagementRow]:
    """Readiness of the engagements from one lean query, by engagement id."""
    unique = {engagement.id: engagement for engagement in engagements}
    rows = {}
    for engagement_id, (assessed, items) in readiness_of_many(list(unique.values())).items():
        awaiting = sum(item.awaiting_confirmation for item in items)
        rows[engagement_id] = EngagementRow(
            unique[engagement_id], assessed, assessed.uncovered_critical, awaiting
        )
    return rows


def _needs_watching(today: date, ending_soon: date) -> sa.ColumnElement[bool]:
    """Ending soon, or with an item at risk (``readiness.is_at_risk``)."""
    item_at_risk = (
        sa.select(PlanItem.id)
        .where(PlanItem.engagement_id == Engagement.id, at_risk_sql(today))
        .exists()
    )
    return sa.or_(Engagement.planned_end_date <= ending_soon, item_at_risk)


def cto_section(
    watch: list[EngagementRow], watch_total: int, *, can_start_engagement: bool
) -> CtoSection:
    counts = dict(
        db.session.execute(
            sa.select(Engagement.status, sa.func.count()).group_by(Engagement.status)
        ).all()
    )
    return CtoSection(
        watch=watch,
        watch_total=watch_total,
        status_counts={status: counts.get(status, 0) for status in EngagementStatus},
        can_start_engagement=can_start_engagement,
    )


def it_lead_section(in_handover: list[EngagementRow], handover_total: int) -> ItLeadSection:
    # the first ten picked and counted over narrow rows, then only those ten loaded whole
    when = deadline_sql().label("deadline")
    first = (
        sa.select(Assignment.id, when, sa.func.count().over().label("total"))
        .join(Assignment.plan_item)
        .join(PlanItem.engagement)
        .where(awaits_confirmation_sql(), Engagement.status != EngagementStatus.CLOSED)
        .order_by(when, Assignment.id)
        .limit(LIST_LIMIT)
        .subquery()
    )
    awaiting = db.session.execute(
        sa.select(Assignment, first.c.total)
        .join(first, first.c.id == Assignment.id)
        .join(Assignment.plan_item)
        .join(PlanItem.engagement)
        .options(
            contains_eager(Assignment.plan_item).contains_eager(PlanItem.engagement),
            contains_eager(Assignment.plan_item).joinedload(PlanItem.skill),
            joinedload(Assignment.learner).options(lazyload(User.role_rows)),
            selectinload(Assignment.confirmations),
        )
        .order_by(first.c.deadline, Assignment.id)
    ).all()
    return ItLeadSection(
        handover=in_handover,
        handover_total=handover_total,
        awaiting=[assignment for assignment, _ in awaiting],
        awaiting_total=awaiting[0].total if awaiting else 0,
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
