"""The part of an engagement's learning log a handover report reads: bounded, whatever the data.

A learner can record thousands of entries (a script, a flood); the report must stay buildable
within its budgets and the engagement closable. So the report prints the newest
``LOG_ENTRIES_PER_ASSIGNMENT`` visible entries of each assignment in full — fewer when the
engagement would print more than ``LOG_ENTRIES_IN_FULL`` in all — sums the older ones up by
month, and counts hidden entries per act of hiding, each in one query; the totals (hours,
entries, open questions, self-assessments) come from every visible entry. How much of one
entry's text is printed, ``knowtrans.reports.text.shortened`` decides.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from knowtrans.extensions import db
from knowtrans.learning.models import LearningEntry
from knowtrans.learning.queries import (
    AssignmentSummary,
    HiddenAct,
    assignment_summaries,
    entry_loading_options,
    hidden_acts,
)
from knowtrans.plans.models import Assignment, PlanItem

#: entries of one assignment printed in full (the newest); the appendix of the largest real
#: engagement (2,430 entries over 30 learners) stays complete
LOG_ENTRIES_PER_ASSIGNMENT = 50
#: entries printed in full in one report, whatever the number of assignments
LOG_ENTRIES_IN_FULL = 2_500
#: acts of hiding listed in the report; more are summed up in the total
HIDDEN_ACTS = 100


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    entries: int
    minutes: int

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)


@dataclass
class ReportLog:
    """Per assignment id: totals, the entries in full (newest first), the older months."""

    summaries: dict[int, AssignmentSummary]
    #: how many of each assignment's newest entries are printed in full
    per_assignment: int = LOG_ENTRIES_PER_ASSIGNMENT
    in_full: dict[int, list[LearningEntry]] = field(default_factory=lambda: defaultdict(list))
    by_month: dict[int, list[Month]] = field(default_factory=lambda: defaultdict(list))
    hidden: list[HiddenAct] = field(default_factory=list)

    def summary(self, assignment_id: int) -> AssignmentSummary:
        return self.summaries.get(assignment_id) or AssignmentSummary()


def load_report_log(engagement_id: int, assignment_ids: list[int]) -> ReportLog:
    """Four queries (five with entries in full: their links and questions), none unbounded."""
    log = ReportLog(summaries=assignment_summaries(assignment_ids))
    if not any(summary.entries or summary.hidden for summary in log.summaries.values()):
        return log
    log.per_assignment = entries_in_full_per_assignment(
        [summary.entries for summary in log.summaries.values()]
    )
    ranked = _ranked_entries(engagement_id)
    in_full = db.session.scalars(
        sa.select(LearningEntry)
        .join(ranked, ranked.c.id == LearningEntry.id)
        .where(ranked.c.rank <= log.per_assignment)
        .order_by(LearningEntry.assignment_id, ranked.c.rank)
        .options(*entry_loading_options())
    )
    for entry in in_full:
        log.in_full[entry.assignment_id].append(entry)
    year = sa.extract("year", LearningEntry.date)
    month = sa.extract("month", LearningEntry.date)
    older = db.session.execute(
        sa.select(
            LearningEntry.assignment_id,
            year,
            month,
            sa.func.count(LearningEntry.id),
            sa.func.sum(LearningEntry.minutes),
        )
        .join(ranked, ranked.c.id == LearningEntry.id)
        .where(ranked.c.rank > log.per_assignment)
        .group_by(LearningEntry.assignment_id, year, month)
        .order_by(LearningEntry.assignment_id, year, month)
    )
    for assignment_id, y, m, entries, minutes in older:
        log.by_month[assignment_id].append(Month(int(y), int(m), entries, minutes or 0))
    if any(summary.hidden for summary in log.summaries.values()):
        log.hidden = hidden_acts(
            _of_engagement(engagement_id), limit=HIDDEN_ACTS, newest_first=False
        )
    return log


def entries_in_full_per_assignment(counts: list[int]) -> int:
    """The most entries per assignment (at most LOG_ENTRIES_PER_ASSIGNMENT, at least one)
    that keeps the entries printed in full within LOG_ENTRIES_IN_FULL."""
    per_assignment = LOG_ENTRIES_PER_ASSIGNMENT
    while per_assignment > 1 and sum(min(count, per_assignment) for count in counts) > (
        LOG_ENTRIES_IN_FULL
    ):
        per_assignment -= 1
    return per_assignment


def _of_engagement(engagement_id: int) -> sa.ColumnElement[bool]:
    assignments = (
        sa.select(Assignment.id)
        .join(Assignment.plan_item)
        .where(PlanItem.engagement_id == engagement_id)
    )
    return LearningEntry.assignment_id.in_(assignments.scalar_subquery())


def _ranked_entries(engagement_id: int) -> sa.Subquery:
    """The engagement's visible entries, numbered newest first within each assignment."""
    rank = sa.func.row_number().over(
        partition_by=LearningEntry.assignment_id,
        order_by=(LearningEntry.date.desc(), LearningEntry.id.desc()),
    )
    return (
        sa.select(LearningEntry.id, rank.label("rank"))
        .where(_of_engagement(engagement_id), LearningEntry.hidden_at.is_(None))
        .subquery("ranked")
    )
