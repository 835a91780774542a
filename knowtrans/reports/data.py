"""Gathering a handover report's content (``knowtrans.reports.content``) from the database.

The queries stay bounded: one eager-loaded engagement, the bounded learning log
(``knowtrans.reports.log``) and one for who planned it, whatever its size. Everything is
turned into plain frozen values before rendering.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from knowtrans.audit.models import AuditEvent
from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.core.clock import today as current_day
from knowtrans.core.formatting import format_date
from knowtrans.core.markdown import render_markdown
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.engagements.readiness_queries import (
    engagement_readiness,
    plan_item_facts,
    plan_loading_options,
)
from knowtrans.extensions import db
from knowtrans.learning.models import LearningEntry, OpenQuestion
from knowtrans.plans.models import Assignment, Criticality, Phase, PlanItem
from knowtrans.readiness import (
    AT_RISK_DAYS,
    ItemReadiness,
    LearnerLevel,
    is_single_point,
    learner_coverage,
)
from knowtrans.reports.chart import ChartRow, readiness_chart_svg
from knowtrans.reports.content import (
    NOT_ASSIGNED,
    ChartPart,
    Confirmation,
    EngagementFacts,
    Entry,
    HiddenEntries,
    Item,
    Learner,
    LearnerHours,
    MatrixCell,
    MatrixPart,
    MatrixRow,
    MonthOfEntries,
    Question,
    ReportData,
    Signatory,
)
from knowtrans.reports.log import ReportLog, load_report_log
from knowtrans.reports.text import (
    NOTES_LINES,
    ReportMarkdown,
    format_day,
    shortened,
    with_break_opportunities,
)
from knowtrans.users.models import Role, User, UserRole

#: learning entries quoted as "key learnings" per learner; the appendix has them all
KEY_LEARNINGS = 3
#: confirmations of one learner the report lists: the one that counts and the latest earlier
CONFIRMATIONS = 6
#: learners per coverage-matrix table, so the table fits the width of an A4 page
MATRIX_COLUMNS = 6
#: at most this many skills per readiness chart, so the first chart fits an A4 page below
#: the summary's headline figures; longer plans get several charts of equal length
CHART_ROWS = 24
CRITICALITY_ORDER = {
    Criticality.CRITICAL: 0,
    Criticality.HIGH: 1,
    Criticality.MEDIUM: 2,
    Criticality.LOW: 3,
}


class EngagementNotFound(LookupError):
    pass


def report_loading_options():
    """The plan as readiness reads it, with who confirmed each level; the learning log is
    read apart from it, bounded (``knowtrans.reports.log``)."""
    assignments = selectinload(Engagement.plan_items).selectinload(PlanItem.assignments)
    return (
        *plan_loading_options(),
        assignments.selectinload(Assignment.confirmations).joinedload(
            LevelConfirmation.confirmed_by
        ),
    )


def load_engagement(engagement_id: int) -> Engagement:
    """The engagement with its plan and learning log, as the session sees it now.

    ``populate_existing`` re-reads objects already in the session (after autoflush), so a
    final report sees the closing that was just flushed and every eager load applies.
    """
    query = (
        sa.select(Engagement)
        .where(Engagement.id == engagement_id)
        .options(*report_loading_options())
        .execution_options(populate_existing=True)
    )
    engagement = db.session.execute(query).unique().scalar_one_or_none()
    if engagement is None:
        raise EngagementNotFound(f"no engagement with id {engagement_id}")
    return engagement


#: who generated a report made with ``knowtrans report`` (no signed-in user)
COMMAND_LINE = _l("knowtrans command line")


def gather_report_data(
    engagement_id: int,
    *,
    final: bool,
    generated_by: User | None,
    generated_at: datetime,
    identifier: str,
    today: date | None = None,
    close_justification: str | None = None,
) -> ReportData:
    """The report's data. A final report shows the engagement closed at ``generated_at``
    with ``close_justification`` (default: the stored one) whether or not its closing is
    written yet: closing builds it first and writes the closing after."""
    engagement = load_engagement(engagement_id)
    day = today or current_day()
    closed = final or engagement.is_closed
    readiness = engagement_readiness(engagement, day, closed=closed)
    rendered = ReportMarkdown()
    states = dict(zip((item.id for item in engagement.plan_items), readiness.items, strict=True))
    plan = sorted(
        engagement.plan_items,
        key=lambda item: (CRITICALITY_ORDER[item.criticality], item.skill.name.lower()),
    )
    assignments = [a for item in plan for a in item.assignments]
    learning = load_report_log(engagement.id, [a.id for a in assignments])
    items = tuple(
        _item(item, states[item.id], f"3.{number}", engagement, closed, rendered, learning)
        for number, item in enumerate(plan, start=1)
    )
    log = tuple(
        sorted(
            (
                _entry(entry, a.learner.name, item.skill.name, rendered)
                for item in plan
                for a in item.assignments
                for entry in learning.in_full.get(a.id, ())
            ),
            key=lambda entry: (entry.date, entry.id),
        )
    )
    summaries = [learning.summary(a.id) for a in assignments]
    sign_offs = sorted(
        (
            _confirmation(a.latest_confirmation, a.learner.name, item.skill.name)
            for item in plan
            for a in item.assignments
            if a.latest_confirmation is not None
        ),
        key=lambda c: c.confirmed_at,
        reverse=True,
    )
    matrix, matrix_learners = _matrix(plan, learning)
    return ReportData(
        identifier=identifier,
        final=final,
        generated_at=generated_at,
        generated_by=generated_by.name if generated_by else str(COMMAND_LINE),
        engagement=EngagementFacts(
            id=engagement.id,
            title=engagement.title,
            expert=engagement.expert.name,
            client=engagement.client,
            project=engagement.project,
            start_date=engagement.start_date,
            planned_end_date=engagement.planned_end_date,
            status=EngagementStatus.CLOSED.label if final else engagement.status.label,
            closed_at=engagement.closed_at or (generated_at if final else None),
            # a justification counts once the engagement closes (a failed closing keeps it
            # for "Close again", and a draft does not print it)
            close_justification=(
                (
                    close_justification
                    if close_justification is not None
                    else engagement.close_justification or ""
                )
                if closed
                else ""
            ),
            objectives=with_break_opportunities(render_markdown(engagement.objectives)),
        ),
        readiness_percent=readiness.percent,
        total=readiness.total,
        covered=readiness.covered,
        uncovered=readiness.uncovered,
        at_risk=readiness.at_risk,
        at_risk_days=AT_RISK_DAYS,
        items=items,
        charts=_charts(items),
        matrix=matrix,
        matrix_learners=matrix_learners,
        sign_offs=tuple(sign_offs),
        signed_off_phase=len({a.learner_id for a in assignments if a.phase is Phase.SIGNED_OFF}),
        total_minutes=sum(summary.minutes for summary in summaries),
        hours_by_learner=_hours_by_learner(assignments, learning),
        open_questions=tuple(
            sorted(
                (q for item in items for q in item.open_questions),
                key=lambda q: (q.asked_on, q.skill, q.learner),
            )
        ),
        open_questions_total=sum(summary.open_questions for summary in summaries),
        signatories=_signatories(engagement, generated_by, generated_at, final, assignments),
        log=log,
        log_total=sum(summary.entries for summary in summaries),
        log_by_month=_log_by_month(plan, learning),
        hidden=_hidden(plan, learning),
        hidden_total=sum(summary.hidden for summary in summaries),
    )


def _log_by_month(plan: Sequence[PlanItem], learning: ReportLog) -> tuple[MonthOfEntries, ...]:
    months = (
        MonthOfEntries(
            a.learner.name, item.skill.name, month.first_day, month.entries, month.minutes
        )
        for item in plan
        for a in item.assignments
        for month in learning.by_month.get(a.id, ())
    )
    return tuple(sorted(months, key=lambda m: (m.month, m.learner.lower(), m.skill.lower())))


def _hidden(plan: Sequence[PlanItem], learning: ReportLog) -> tuple[HiddenEntries, ...]:
    names = {a.id: (a.learner.name, item.skill.name) for item in plan for a in item.assignments}
    return tuple(
        HiddenEntries(
            learner=names[act.assignment_id][0],
            skill=names[act.assignment_id][1],
            entries=act.entries,
            hidden_by=act.hidden_by or "",
            hidden_at=act.hidden_at,
            reason=act.reason,
        )
        for act in learning.hidden
    )


def chart_rows(plan_items: Sequence[PlanItem], states: Sequence[ItemReadiness]) -> list[ChartRow]:
    """Chart rows for a plan loaded with ``plan_loading_options`` (the engagement page)."""
    return [
        ChartRow(
            skill=item.skill.name,
            target=item.target_level,
            confirmed=state.best_confirmed,
            covered=state.covered,
            at_risk=state.at_risk,
        )
        for item, state in zip(plan_items, states, strict=True)
    ]


def _levels(item: PlanItem) -> dict[int, LearnerLevel]:
    """Per assignment: its learner's level as readiness sees it (whether it counts, too)."""
    learners = plan_item_facts(item).learners
    return dict(zip((a.id for a in item.assignments), learners, strict=True))


def _charts(items: Sequence[Item]) -> tuple[ChartPart, ...]:
    if not items:
        return ()
    size = math.ceil(len(items) / math.ceil(len(items) / CHART_ROWS))
    return tuple(
        ChartPart(
            first=start + 1,
            last=min(start + size, len(items)),
            svg=readiness_chart_svg(
                [_chart_row(item) for item in items[start : start + size]],
                chart_id=f"report-readiness-chart-{start // size + 1}",
            ),
        )
        for start in range(0, len(items), size)
    )


def _chart_row(item: Item) -> ChartRow:
    return ChartRow(
        skill=item.skill,
        target=item.target,
        confirmed=item.best_confirmed,
        covered=item.covered,
        at_risk=item.at_risk,
    )


def _web_link(url: str) -> bool:
    """Evidence links are checked on input; the report links http(s) only, regardless."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _question(question: OpenQuestion, asked_on: date, learner: str, skill: str) -> Question:
    return Question(
        text=question.text,
        asked_on=asked_on,
        learner=learner,
        skill=skill,
        resolved_at=question.resolved_at,
        resolved_by=question.resolved_by.name if question.resolved_by else None,
    )


def _entry(entry: LearningEntry, learner: str, skill: str, rendered: ReportMarkdown) -> Entry:
    printed, cut = shortened(entry.learned)
    return Entry(
        id=entry.id,
        date=entry.date,
        activity=entry.activity.label,
        minutes=entry.minutes,
        learned=rendered("entry", entry.id, printed),
        length=len(entry.learned),
        shortened=cut,
        self_level=entry.self_level,
        learner=learner,
        skill=skill,
        evidence=tuple(link.url for link in entry.evidence_links if _web_link(link.url)),
        questions=tuple(_question(q, entry.date, learner, skill) for q in entry.questions),
    )


def _confirmation(confirmation: LevelConfirmation, learner: str, skill: str) -> Confirmation:
    return Confirmation(
        level=confirmation.level,
        confirmed_by=confirmation.confirmed_by.name,
        confirmed_at=confirmation.created_at,
        comment=confirmation.comment or "",
        learner=learner,
        skill=skill,
    )


def _learner(
    assignment: Assignment, skill: str, counts: bool, rendered: ReportMarkdown, learning: ReportLog
) -> Learner:
    name = assignment.learner.name
    summary = learning.summary(assignment.id)
    entries = [
        _entry(entry, name, skill, rendered) for entry in learning.in_full.get(assignment.id, ())
    ]
    evidence: dict[str, None] = {}
    for entry in reversed(entries):  # oldest first
        evidence.update(dict.fromkeys(entry.evidence))
    return Learner(
        name=name,
        internal=counts,
        standing=_standing(assignment.learner),
        role=assignment.learner_role.label,
        phase=assignment.phase.label,
        phase_step=assignment.phase.step,
        confirmed=assignment.confirmed_level,
        self_assessed=summary.self_assessed_level,
        minutes=summary.minutes,
        entry_count=summary.entries,
        entries_in_full=len(entries),
        key_learnings=tuple(entries[:KEY_LEARNINGS]),
        evidence=tuple(evidence),
        questions=tuple(q for entry in reversed(entries) for q in entry.questions),
        confirmations=tuple(
            _confirmation(c, name, skill) for c in assignment.confirmations[:CONFIRMATIONS]
        ),
        confirmation_count=len(assignment.confirmations),
    )


def _item(
    item: PlanItem,
    state: ItemReadiness,
    number: str,
    engagement: Engagement,
    closed: bool,
    rendered: ReportMarkdown,
    learning: ReportLog,
) -> Item:
    skill = item.skill.name
    notes, notes_cut = shortened(item.handover_notes, len(item.handover_notes), NOTES_LINES)
    levels = _levels(item)
    learners = tuple(
        _learner(a, skill, levels[a.id].internal, rendered, learning) for a in item.assignments
    )
    facts = Item(
        anchor=f"skill-{item.id}",
        number=number,
        skill=skill,
        category=item.skill.category,
        target=item.target_level,
        criticality=item.criticality,
        criticality_label=item.criticality.label,
        due_date=item.due_date,
        deadline=state.deadline,
        covered=state.covered,
        bus_factor=state.bus_factor,
        at_risk=state.at_risk,
        best_confirmed=state.best_confirmed,
        notes=rendered("notes", item.id, notes),
        notes_shortened=notes_cut,
        minutes=sum(learner.minutes for learner in learners),
        learners=learners,
    )
    return replace(facts, follow_up=follow_up(facts, engagement.expert.name, closed))


def follow_up(item: Item, expert: str, closed: bool) -> str:
    """A recommended next step for an item below target or held by one person only."""
    internal = [learner for learner in item.learners if learner.internal]
    if item.covered:
        if not is_single_point(item.criticality, item.bus_factor):
            return ""
        holder = next(
            learner.name
            for learner in internal
            if learner.confirmed is not None and learner.confirmed >= item.target
        )
        others = [learner.name for learner in internal if learner.name != holder]
        if not others:
            return _(
                "Only %(holder)s holds %(skill)s at the target level: bring a backup learner "
                "to level %(target)s so the knowledge does not rest on one person.",
                holder=holder,
                skill=item.skill,
                target=item.target,
            )
        return _(
            "Only %(holder)s holds %(skill)s at the target level: bring %(backup)s to level "
            "%(target)s so the knowledge does not rest on one person.",
            holder=holder,
            skill=item.skill,
            backup=others[0],
            target=item.target,
        )
    confirmed = [learner for learner in internal if learner.confirmed is not None]
    if not internal:
        step = _(
            "Nobody internal is assigned to %(skill)s: assign a primary and a backup learner "
            "and plan shadowing sessions with %(expert)s.",
            skill=item.skill,
            expert=expert,
        )
    elif not any(learner.entry_count for learner in internal):
        step = _(
            "No learning is recorded yet for %(names)s: start shadowing sessions on "
            "%(skill)s with %(expert)s, then have the level confirmed.",
            names=_names(learner.name for learner in internal),
            skill=item.skill,
            expert=expert,
        )
    elif not confirmed:
        step = _(
            "No level is confirmed yet for %(names)s: plan reverse shadowing on %(skill)s "
            "and have %(expert)s or an IT lead confirm the level reached.",
            names=_names(learner.name for learner in internal),
            skill=item.skill,
            expert=expert,
        )
    else:
        best = max(confirmed, key=lambda learner: learner.confirmed or 0)
        step = _(
            "%(name)s is confirmed at level %(confirmed)s of %(target)s: plan reverse "
            "shadowing on %(skill)s, then a new confirmation.",
            name=best.name,
            confirmed=best.confirmed,
            target=item.target,
            skill=item.skill,
        )
    if closed:
        return _(
            "%(step)s The engagement is closed: book %(expert)s for a follow-up session or "
            "document the gap and who covers it.",
            step=step,
            expert=expert,
        )
    if item.at_risk and item.deadline:
        return _(
            "%(step)s Deadline %(deadline)s: do this first.",
            step=step,
            deadline=format_date(item.deadline),
        )
    return step


def _names(names: Iterable[str]) -> str:
    """Anna, Bert and Carl."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return _("%(names)s and %(last)s", names=", ".join(names[:-1]), last=names[-1])


def _standing(user: User) -> str:
    if not user.is_internal:
        return "external"
    return "" if user.active else "left"


def _matrix_name(user: User) -> str:
    """A learner's name as the coverage matrix heads a column: saying why a level does not
    count."""
    standing = _standing(user)
    if standing == "external":
        return _("%(name)s (external)", name=user.name)
    if standing == "left":
        return _("%(name)s (left)", name=user.name)
    return user.name


def _matrix(plan: Sequence[PlanItem], learning: ReportLog) -> tuple[tuple[MatrixPart, ...], int]:
    learners: dict[int, str] = {}
    for item in plan:
        for a in item.assignments:
            learners.setdefault(a.learner_id, _matrix_name(a.learner))
    order = sorted(learners, key=lambda user_id: learners[user_id].lower())
    rows = []
    for item in plan:
        by_learner = {a.learner_id: a for a in item.assignments}
        levels = _levels(item)
        cells = []
        for user_id in order:
            assigned = by_learner.get(user_id)
            if assigned is None:
                cells.append(MatrixCell(NOT_ASSIGNED))
                continue
            a = assigned
            level = levels[a.id]
            cells.append(
                MatrixCell(
                    learner_coverage(level, item.target_level),
                    level.confirmed,
                    learning.summary(a.id).self_assessed_level,
                )
            )
        rows.append((item.skill.name, item.target_level, cells))
    parts = []
    for start in range(0, len(order), MATRIX_COLUMNS):
        stop = start + MATRIX_COLUMNS
        parts.append(
            MatrixPart(
                learners=tuple(learners[user_id] for user_id in order[start:stop]),
                rows=tuple(
                    MatrixRow(skill, target, tuple(cells[start:stop]))
                    for skill, target, cells in rows
                    # a table lists the skills its learners hold; the first also those
                    # nobody holds, so a split matrix stays readable and shows every gap
                    if _assigned(cells[start:stop]) or (start == 0 and not _assigned(cells))
                ),
            )
        )
    return tuple(parts), len(order)


def _assigned(cells: Sequence[MatrixCell]) -> bool:
    return any(cell.state != NOT_ASSIGNED for cell in cells)


def _hours_by_learner(
    assignments: Sequence[Assignment], learning: ReportLog
) -> tuple[LearnerHours, ...]:
    totals: dict[int, list] = {}
    for a in assignments:
        summary = learning.summary(a.id)
        row = totals.setdefault(a.learner_id, [a.learner.name, 0, 0, 0])
        row[1] += summary.minutes
        row[2] += 1
        row[3] += summary.entries
    return tuple(
        LearnerHours(name=name, minutes=minutes, skills=skills, entries=entries)
        for name, minutes, skills, entries in sorted(
            totals.values(), key=lambda row: (-row[1], row[0].lower())
        )
    )


def _signatories(
    engagement: Engagement,
    generated_by: User | None,
    generated_at: datetime,
    final: bool,
    assignments: Sequence[Assignment],
) -> tuple[Signatory, ...]:
    """Who signs the handover: the expert, an IT lead and a CTO, named where known."""
    confirmations = sorted(
        (c for a in assignments for c in a.confirmations),
        key=lambda c: c.created_at,
        reverse=True,
    )
    # the moment: the layout prints its day in the reader's time zone
    closed_on = (engagement.closed_at or generated_at) if final else None

    def by_generator(role: Role) -> Signatory | None:
        if generated_by is None or not generated_by.has_role(role):
            return None
        if final:
            return Signatory(role.label, generated_by.name, _("Closed the engagement"), closed_on)
        return Signatory(role.label, generated_by.name, _("Generated this draft"))

    expert_confirmations = [c for c in confirmations if c.confirmed_by_id == engagement.expert_id]
    expert_note = (
        _(
            "Last confirmed a level on %(date)s",
            date=format_day(expert_confirmations[0].created_at),
        )
        if expert_confirmations
        else _("External expert")
    )
    it_lead = by_generator(Role.IT_LEAD)
    if it_lead is None:
        confirmer = next(
            (c.confirmed_by for c in confirmations if c.confirmed_by.has_role(Role.IT_LEAD)),
            None,
        )
        it_lead = Signatory(
            Role.IT_LEAD.label,
            confirmer.name if confirmer else "",
            _("Confirmed learners' levels") if confirmer else "",
        )
    cto = by_generator(Role.CTO)
    if cto is None:
        planner = _plan_owner(engagement.id)
        cto = Signatory(
            Role.CTO.label,
            planner.name if planner else "",
            _("Planned the transfer") if planner else "",
        )
    return (Signatory(_("Expert"), engagement.expert.name, expert_note), it_lead, cto)


def _plan_owner(engagement_id: int) -> User | None:
    """The CTO who last changed the engagement or its plan, from the audit trail."""
    return db.session.scalars(
        sa.select(User)
        .join(AuditEvent, AuditEvent.actor_id == User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            AuditEvent.engagement_id == engagement_id,
            UserRole.role == Role.CTO,
            sa.or_(
                AuditEvent.action.startswith("engagement."),
                AuditEvent.action.startswith("plan_item."),
                AuditEvent.action.startswith("assignment."),
            ),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
