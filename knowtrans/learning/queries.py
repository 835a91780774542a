"""Reads of the learning log shared by its pages: a bounded number of queries per page."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.core.clock import utcnow
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.learning.models import LearningEntry, OpenQuestion
from knowtrans.plans.models import Assignment, PlanItem


@dataclass(frozen=True)
class AssignmentSummary:
    """What a list shows about an assignment without loading its learning log."""

    minutes: int = 0
    entries: int = 0
    open_questions: int = 0
    self_assessed_level: int | None = None
    confirmed_level: int | None = None


def assignment_summaries(assignment_ids: Collection[int]) -> dict[int, AssignmentSummary]:
    """One query for the totals and latest levels of the given assignments."""
    if not assignment_ids:
        return {}
    of_assignment = LearningEntry.assignment_id == Assignment.id
    minutes = (
        sa.select(sa.func.coalesce(sa.func.sum(LearningEntry.minutes), 0))
        .where(of_assignment)
        .scalar_subquery()
    )
    entries = sa.select(sa.func.count(LearningEntry.id)).where(of_assignment).scalar_subquery()
    open_questions = (
        sa.select(sa.func.count(OpenQuestion.id))
        .join(LearningEntry, OpenQuestion.entry_id == LearningEntry.id)
        .where(of_assignment, OpenQuestion.resolved_at.is_(None))
        .scalar_subquery()
    )
    self_assessed = (
        sa.select(LearningEntry.self_level)
        .where(of_assignment, LearningEntry.self_level.is_not(None))
        .order_by(LearningEntry.date.desc(), LearningEntry.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    confirmed = (
        sa.select(LevelConfirmation.level)
        .where(LevelConfirmation.assignment_id == Assignment.id)
        .order_by(LevelConfirmation.created_at.desc(), LevelConfirmation.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = sa.select(
        Assignment.id, minutes, entries, open_questions, self_assessed, confirmed
    ).where(Assignment.id.in_(list(assignment_ids)))
    return {
        row[0]: AssignmentSummary(
            minutes=row[1] or 0,
            entries=row[2] or 0,
            open_questions=row[3] or 0,
            self_assessed_level=row[4],
            confirmed_level=row[5],
        )
        for row in db.session.execute(query)
    }


def assignment_loading_options(*, history: bool = True):
    """What an assignment's page reads: plan item, skill, engagement, expert, learner, history."""
    plan_item = joinedload(Assignment.plan_item)
    options = [
        plan_item.joinedload(PlanItem.skill),
        plan_item.joinedload(PlanItem.engagement).joinedload(Engagement.expert),
        joinedload(Assignment.learner),
    ]
    if history:
        options.append(
            selectinload(Assignment.confirmations).joinedload(LevelConfirmation.confirmed_by)
        )
    return options


def load_assignment(assignment_id: int, *, history: bool = True) -> Assignment | None:
    return db.session.get(
        Assignment, assignment_id, options=assignment_loading_options(history=history)
    )


def entry_loading_options():
    """An entry's evidence links and questions (with who resolved them), loaded up front."""
    return (
        selectinload(LearningEntry.evidence_links),
        selectinload(LearningEntry.questions).joinedload(OpenQuestion.resolved_by),
    )


def newest_entries_first(assignment_id: int) -> sa.Select:
    return (
        sa.select(LearningEntry)
        .where(LearningEntry.assignment_id == assignment_id)
        .order_by(LearningEntry.date.desc(), LearningEntry.id.desc())
        .options(*entry_loading_options())
    )


#: an identical entry recorded this recently is the same one sent twice (back and resubmit)
DUPLICATE_WINDOW = timedelta(hours=1)


def recent_twin(assignment_id: int, details) -> LearningEntry | None:
    """An entry of the assignment recorded within DUPLICATE_WINDOW with the same day,
    activity, minutes and text as ``details``, if any."""
    query = (
        sa.select(LearningEntry)
        .where(
            LearningEntry.assignment_id == assignment_id,
            LearningEntry.date == details.date,
            LearningEntry.activity == details.activity,
            LearningEntry.minutes == details.minutes,
            LearningEntry.learned == details.learned,
            LearningEntry.created_at >= utcnow() - DUPLICATE_WINDOW,
        )
        .order_by(LearningEntry.id.desc())
        .limit(1)
    )
    return db.session.scalars(query).first()
