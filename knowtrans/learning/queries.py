"""Reads of the learning log shared by its pages: a bounded number of queries per page."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.core.clock import utcnow
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db
from knowtrans.learning.models import LearningEntry, OpenQuestion
from knowtrans.plans.models import Assignment, PlanItem
from knowtrans.skills.models import Skill
from knowtrans.users.models import User


@dataclass(frozen=True)
class AssignmentSummary:
    """What a list shows about an assignment without loading its learning log."""

    minutes: int = 0
    entries: int = 0
    open_questions: int = 0
    self_assessed_level: int | None = None
    confirmed_level: int | None = None
    #: entries a CTO or IT lead hid: in none of the figures above
    hidden: int = 0


def assignment_summaries(assignment_ids: Collection[int]) -> dict[int, AssignmentSummary]:
    """One query for the totals and latest levels of the given assignments.

    Hidden entries count nowhere but in ``hidden``."""
    if not assignment_ids:
        return {}
    of_assignment = sa.and_(
        LearningEntry.assignment_id == Assignment.id, LearningEntry.hidden_at.is_(None)
    )
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
    hidden = (
        sa.select(sa.func.count(LearningEntry.id))
        .where(LearningEntry.assignment_id == Assignment.id, LearningEntry.hidden_at.is_not(None))
        .scalar_subquery()
    )
    query = sa.select(
        Assignment.id, minutes, entries, open_questions, self_assessed, confirmed, hidden
    ).where(Assignment.id.in_(list(assignment_ids)))
    return {
        row[0]: AssignmentSummary(
            minutes=row[1] or 0,
            entries=row[2] or 0,
            open_questions=row[3] or 0,
            self_assessed_level=row[4],
            confirmed_level=row[5],
            hidden=row[6] or 0,
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
            # who confirmed is shown by name: their roles are not read, whether or not the
            # assignment has confirmations the page issues the same statements
            selectinload(Assignment.confirmations)
            .joinedload(LevelConfirmation.confirmed_by)
            .options(lazyload(User.role_rows))
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


def newest_entries_first(assignment_id: int, *, hidden: bool = False) -> sa.Select:
    """The assignment's visible entries, or with ``hidden`` the hidden ones (and who hid them)."""
    query = (
        sa.select(LearningEntry)
        .where(
            LearningEntry.assignment_id == assignment_id,
            LearningEntry.hidden_at.is_not(None) if hidden else LearningEntry.hidden_at.is_(None),
        )
        .order_by(LearningEntry.date.desc(), LearningEntry.id.desc())
        .options(*entry_loading_options())
    )
    return query.options(joinedload(LearningEntry.hidden_by)) if hidden else query


@dataclass(frozen=True)
class HiddenAct:
    """Entries of one assignment hidden in one act: when, by whom, why, how many."""

    assignment_id: int
    hidden_at: datetime
    hidden_by: str | None
    reason: str
    entries: int


#: acts of hiding an assignment's page lists (the newest); the summaries count every entry
HIDDEN_GROUPS = 5


def hidden_acts(
    condition: sa.ColumnElement[bool], *, limit: int, newest_first: bool
) -> list[HiddenAct]:
    """The acts that hid the entries ``condition`` selects, per assignment (one query)."""
    query = (
        sa.select(
            LearningEntry.assignment_id,
            LearningEntry.hidden_at,
            User.name,
            LearningEntry.hidden_reason,
            sa.func.count(LearningEntry.id),
        )
        .outerjoin(User, User.id == LearningEntry.hidden_by_id)
        .where(condition, LearningEntry.hidden_at.is_not(None))
        .group_by(
            LearningEntry.assignment_id,
            LearningEntry.hidden_at,
            User.name,
            LearningEntry.hidden_reason,
        )
        .order_by(
            LearningEntry.hidden_at.desc() if newest_first else LearningEntry.hidden_at,
            LearningEntry.assignment_id,
        )
        .limit(limit)
    )
    return [
        # hidden_at and the reason are set: the query selects hidden entries only
        HiddenAct(assignment_id, hidden_at, hidden_by, reason or "", entries)
        for assignment_id, hidden_at, hidden_by, reason, entries in db.session.execute(query)
        if hidden_at is not None
    ]


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
            LearningEntry.hidden_at.is_(None),
        )
        .order_by(LearningEntry.id.desc())
        .limit(1)
    )
    return db.session.scalars(query).first()


def entries_recorded_by(
    engagement_id: int, learner_id: int, recorded_from: datetime, recorded_until: datetime
) -> sa.Select:
    """The visible entries a learner recorded on an engagement in ``[from, until)``."""
    return (
        sa.select(LearningEntry)
        .join(LearningEntry.assignment)
        .join(Assignment.plan_item)
        .where(
            PlanItem.engagement_id == engagement_id,
            Assignment.learner_id == learner_id,
            LearningEntry.hidden_at.is_(None),
            LearningEntry.created_at >= recorded_from,
            LearningEntry.created_at < recorded_until,
        )
    )


def learners_of(engagement_id: int) -> list[tuple[int, str]]:
    """(id, name) of everyone assigned as a learner on the engagement, by name."""
    query = (
        sa.select(User.id, User.name)
        .join(Assignment, Assignment.learner_id == User.id)
        .join(Assignment.plan_item)
        .where(PlanItem.engagement_id == engagement_id)
        .distinct()
        .order_by(User.name, User.id)
    )
    return [(user_id, name) for user_id, name in db.session.execute(query)]


@dataclass(frozen=True)
class HidingPreview:
    """What hiding a learner's entries in a time range would hide."""

    entries: int
    minutes: int
    first_recorded: datetime | None
    last_recorded: datetime | None
    #: the newest few, with their skill's name, for the lead to recognise them
    newest: list[tuple[LearningEntry, str]]


#: entries the preview shows
PREVIEW_ENTRIES = 5


def preview_hiding(
    engagement_id: int, learner_id: int, recorded_from: datetime, recorded_until: datetime
) -> HidingPreview:
    matching = entries_recorded_by(engagement_id, learner_id, recorded_from, recorded_until)
    entries, minutes, first, last = db.session.execute(
        matching.with_only_columns(
            sa.func.count(LearningEntry.id),
            sa.func.coalesce(sa.func.sum(LearningEntry.minutes), 0),
            sa.func.min(LearningEntry.created_at),
            sa.func.max(LearningEntry.created_at),
        )
    ).one()
    newest = db.session.execute(
        matching.add_columns(Skill.name)
        .join(PlanItem.skill)
        .order_by(LearningEntry.created_at.desc(), LearningEntry.id.desc())
        .limit(PREVIEW_ENTRIES)
    ).all()
    return HidingPreview(
        entries=entries,
        minutes=minutes,
        first_recorded=_utc(first),
        last_recorded=_utc(last),
        newest=[(entry, skill) for entry, skill in newest],
    )


def _utc(moment: datetime | None) -> datetime | None:
    """An aggregate skips the column type: SQLite answers a naive (UTC) time or a string."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def assignments_of_learner(learner_id: int) -> sa.Select:
    """A learner's assignments with their engagement and skill: open engagements first, the
    nearest planned end first."""
    return (
        sa.select(Assignment)
        .join(Assignment.plan_item)
        .join(PlanItem.engagement)
        .join(PlanItem.skill)
        .where(Assignment.learner_id == learner_id)
        .options(
            contains_eager(Assignment.plan_item).contains_eager(PlanItem.engagement),
            contains_eager(Assignment.plan_item).contains_eager(PlanItem.skill),
        )
        .order_by(
            sa.case((Engagement.status == EngagementStatus.CLOSED, 1), else_=0),
            Engagement.planned_end_date,
            Engagement.id,
            Skill.name,
            Assignment.id,
        )
    )
