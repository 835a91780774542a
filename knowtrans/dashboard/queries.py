"""What the start page shows for each role, in a bounded number of queries."""

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from knowtrans import permissions
from knowtrans.audit.models import AuditEvent
from knowtrans.core.clock import today as current_day
from knowtrans.core.clock import utcnow
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
from knowtrans.readiness import AT_RISK_DAYS, EngagementReadiness, deadline
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role, User

#: an engagement "ends soon" when its planned end is this close (or past, and not closed)
ENDING_SOON_DAYS = 30
#: rows per list on the start page; the full lists live on their own pages. Each list is
#: selected, sorted, counted and cut to this length in SQL: the page reads the same
#: number of rows for a company of ten engagements or of thousands.
LIST_LIMIT = 10
#: an active account without a sign-in for this many days is listed for the admin
SIGN_IN_DAYS = 90


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
    #: engagements in handover, and active engagements with plan items at risk
    attention: list[EngagementRow]
    attention_total: int
    #: of ``attention_total``: how many are in handover, how many active with items at risk
    handover_total: int
    active_at_risk_total: int
    #: learners working independently whose confirmed level does not reach the target yet
    awaiting: list[Assignment]
    awaiting_total: int
    at_risk_days: int = AT_RISK_DAYS


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
    #: active accounts without a sign-in for ``sign_in_days`` (or none, and older than that)
    not_signed_in: list[User] = field(default_factory=list)
    not_signed_in_total: int = 0
    #: deactivated accounts, by name (their number is ``inactive_users``)
    deactivated: list[User] = field(default_factory=list)
    #: skills in use (not archived) whose category is empty
    uncategorised_skills: list[Skill] = field(default_factory=list)
    uncategorised_skills_total: int = 0
    #: the latest audit events, newest first
    audit_events: list[AuditEvent] = field(default_factory=list)
    sign_in_days: int = SIGN_IN_DAYS


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


@dataclass(frozen=True)
class _Matching:
    """The first open engagements matching a condition, and how many match."""

    engagements: list[Engagement]
    total: int
    #: how many of ``total`` meet each condition counted along (``_open_engagements``)
    subtotals: dict[str, int] = field(default_factory=dict)


def dashboard_for(user: User) -> Dashboard:
    """Only the sections the user sees (``permissions.sees_*_section``)."""
    today = current_day()
    lists: dict[Role, _Matching] = {}
    if permissions.sees_cto_section(user):
        lists[Role.CTO] = _open_engagements(
            _needs_watching(today, today + timedelta(days=ENDING_SOON_DAYS)), LIST_LIMIT
        )
    if permissions.sees_it_lead_section(user):
        in_handover = Engagement.status == EngagementStatus.HANDOVER
        active = Engagement.status == EngagementStatus.ACTIVE
        lists[Role.IT_LEAD] = _open_engagements(
            sa.or_(in_handover, sa.and_(active, _has_item_at_risk(today))),
            LIST_LIMIT,
            # the active ones listed are those with items at risk: counted without asking again
            counted={"handover": in_handover, "active_at_risk": active},
        )
    if permissions.sees_expert_section(user):
        # an expert's own engagements: a handful, however large the company
        lists[Role.EXPERT] = _open_engagements(Engagement.expert_id == user.id)
    # the plans of every listed engagement, read once
    rows = _engagement_rows([e for found in lists.values() for e in found.engagements])

    def listed(role: Role) -> list[EngagementRow]:
        return [rows[engagement.id] for engagement in lists[role].engagements]

    dashboard = Dashboard()
    if Role.CTO in lists:
        dashboard.cto = cto_section(
            listed(Role.CTO),
            lists[Role.CTO].total,
            can_start_engagement=permissions.can_manage_engagements(user),
        )
    if Role.IT_LEAD in lists:
        found = lists[Role.IT_LEAD]
        dashboard.it_lead = it_lead_section(
            listed(Role.IT_LEAD),
            found.total,
            handover_total=found.subtotals["handover"],
            active_at_risk_total=found.subtotals["active_at_risk"],
        )
    if Role.EXPERT in lists:
        dashboard.expert = ExpertSection(listed(Role.EXPERT))
    if permissions.sees_staff_section(user):
        dashboard.staff = staff_section(user)
    if permissions.sees_admin_section(user):
        dashboard.admin = admin_section()
    return dashboard


def _open_engagements(
    condition: sa.ColumnElement[bool],
    limit: int | None = None,
    *,
    counted: dict[str, sa.ColumnElement[bool]] | None = None,
) -> _Matching:
    """The open engagements matching ``condition``, the nearest planned end first, at most
    ``limit`` of them; how many match, and how many of those meet each of ``counted``'s
    conditions, all counted in the same statement."""
    counted = counted or {}
    total = sa.func.count().over().label("total")
    subtotals = [
        sa.func.count(sa.case((when, 1))).over().label(name) for name, when in counted.items()
    ]
    query = (
        sa.select(Engagement, total, *subtotals)
        .where(Engagement.status != EngagementStatus.CLOSED, condition)
        # the expert's name is shown; their roles are not
        .options(joinedload(Engagement.expert).options(lazyload(User.role_rows)))
        .order_by(Engagement.planned_end_date, Engagement.id)
    )
    if limit is not None:
        query = query.limit(limit)
    found = db.session.execute(query).all()
    if not found:
        return _Matching([], 0, dict.fromkeys(counted, 0))
    first = found[0]._mapping
    return _Matching(
        [row[0] for row in found],
        first["total"],
        {name: first[name] for name in counted},
    )


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


def _has_item_at_risk(today: date) -> sa.ColumnElement[bool]:
    """The engagement has a plan item at risk (``readiness.is_at_risk``)."""
    return (
        sa.select(PlanItem.id)
        .where(PlanItem.engagement_id == Engagement.id, at_risk_sql(today))
        .exists()
    )


def _needs_watching(today: date, ending_soon: date) -> sa.ColumnElement[bool]:
    """Ending soon, or with an item at risk."""
    return sa.or_(Engagement.planned_end_date <= ending_soon, _has_item_at_risk(today))


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


def it_lead_section(
    attention: list[EngagementRow],
    attention_total: int,
    *,
    handover_total: int,
    active_at_risk_total: int,
) -> ItLeadSection:
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
        attention=attention,
        attention_total=attention_total,
        handover_total=handover_total,
        active_at_risk_total=active_at_risk_total,
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
    """Accounts and data that need an admin's look, each list cut to ``LIST_LIMIT`` and
    counted in SQL, and the latest audit events: five statements, whatever the size."""
    counts = dict(
        db.session.execute(sa.select(User.active, sa.func.count()).group_by(User.active)).all()
    )
    # never signed in: the account's age counts instead
    last_seen = sa.func.coalesce(User.last_login_at, User.created_at)
    not_signed_in, not_signed_in_total = _first_users(
        sa.and_(User.active.is_(True), last_seen < utcnow() - timedelta(days=SIGN_IN_DAYS)),
        last_seen,
    )
    deactivated, _ = _first_users(User.active.is_(False), sa.func.lower(User.name))
    skills = db.session.execute(
        sa.select(Skill, sa.func.count().over().label("total"))
        .where(Skill.archived.is_(False), sa.func.trim(Skill.category) == "")
        .order_by(sa.func.lower(Skill.name), Skill.id)
        .limit(LIST_LIMIT)
    ).all()
    events = db.session.scalars(
        sa.select(AuditEvent)
        .options(joinedload(AuditEvent.actor).options(lazyload(User.role_rows)))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    return AdminSection(
        active_users=counts.get(True, 0),
        inactive_users=counts.get(False, 0),
        not_signed_in=not_signed_in,
        not_signed_in_total=not_signed_in_total,
        deactivated=deactivated,
        uncategorised_skills=[skill for skill, _ in skills],
        uncategorised_skills_total=skills[0].total if skills else 0,
        audit_events=list(events),
    )


def _first_users(
    condition: sa.ColumnElement[bool], order: sa.ColumnElement
) -> tuple[list[User], int]:
    """The first ``LIST_LIMIT`` users matching ``condition`` in ``order``, and how many match;
    their roles are not shown, so not read."""
    found = db.session.execute(
        sa.select(User, sa.func.count().over().label("total"))
        .where(condition)
        .options(lazyload(User.role_rows))
        .order_by(order, User.id)
        .limit(LIST_LIMIT)
    ).all()
    return [user for user, _ in found], found[0].total if found else 0
