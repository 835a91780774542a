"""Readiness read from the database; the rules themselves live in ``knowtrans.readiness``.

``knowtrans.readiness`` holds the rules as pure functions over plain values. This module is
their database side: the eager loading a page needs before it asks for readiness, turning a
loaded plan into the pure functions' facts, and the lean one-query path the lists and the
start page use for many engagements at once. The SQL that states a rule for speed (a
deadline, "within the at-risk window", "awaiting confirmation") is built from that module's
constants, and ``tests/test_readiness_queries.py`` proves it agrees with the pure functions.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.core.clock import today as current_day
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.plans.models import Assignment, PlanItem
from knowtrans.readiness import (
    AT_RISK_DAYS,
    AWAITING_CONFIRMATION_PHASE,
    EngagementReadiness,
    LearnerLevel,
    PlanItemFacts,
    assess_engagement,
    awaits_confirmation,
    counts_towards_coverage,
)
from knowtrans.users.models import User, UserKind


def plan_loading_options():
    """Eager loading for everything readiness reads: no lazy loads while assessing.

    The learning log is not loaded: readiness counts confirmations only, and pages that show
    hours or self-assessments ask ``learning.queries.assignment_summaries`` for them.
    """
    assignments = selectinload(Engagement.plan_items).selectinload(PlanItem.assignments)
    return (
        selectinload(Engagement.plan_items).joinedload(PlanItem.skill),
        assignments.joinedload(Assignment.learner),
        assignments.selectinload(Assignment.confirmations),
        joinedload(Engagement.expert),
    )


def plan_item_facts(item: PlanItem) -> PlanItemFacts:
    return PlanItemFacts(
        target_level=item.target_level,
        criticality=item.criticality,
        due_date=item.due_date,
        learners=tuple(
            LearnerLevel(
                internal=counts_towards_coverage(
                    assignment.learner.is_internal, assignment.learner.active
                ),
                confirmed=assignment.confirmed_level,
            )
            for assignment in item.assignments
        ),
    )


def engagement_readiness(
    engagement: Engagement,
    today: date | None = None,
    window: int = AT_RISK_DAYS,
    *,
    closed: bool | None = None,
) -> EngagementReadiness:
    """Readiness of an engagement whose plan is loaded (see ``plan_loading_options``);
    ``closed`` assesses it as closed before its status says so (its final report)."""
    items: Sequence[PlanItem] = engagement.plan_items
    return assess_engagement(
        [plan_item_facts(item) for item in items],
        engagement.planned_end_date,
        today or current_day(),
        window,
        closed=engagement.is_closed if closed is None else closed,
    )


@dataclass(frozen=True)
class LeanItem:
    """A plan item as the lists need it, read without building ORM objects."""

    engagement_id: int
    facts: PlanItemFacts
    #: learners working independently whose confirmed level is below the target
    awaiting_confirmation: int


def lean_plan_items(engagement_ids: Collection[int]) -> dict[int, list[LeanItem]]:
    """The plans of many engagements in one query: items, learners, latest confirmations.

    The latest confirmation is one index step per assignment (``confirmed_level_sql``). A
    window over the confirmations, joined in, was no cheaper on SQLite, and PostgreSQL
    planned it as the inner side of a nested loop and ran it again for every plan item.
    """
    if not engagement_ids:
        return {}
    ids = list(engagement_ids)
    query = (
        sa.select(
            PlanItem.engagement_id,
            PlanItem.id,
            PlanItem.target_level,
            PlanItem.criticality,
            PlanItem.due_date,
            Assignment.phase,
            User.kind,
            User.active,
            confirmed_level_sql(),
        )
        .outerjoin(Assignment, Assignment.plan_item_id == PlanItem.id)
        .outerjoin(User, User.id == Assignment.learner_id)
        .where(PlanItem.engagement_id.in_(ids))
        .order_by(PlanItem.engagement_id, PlanItem.id, Assignment.id)
    )
    rows_by_item: dict[int, list] = {}
    for row in db.session.execute(query):
        rows_by_item.setdefault(row[1], []).append(row)
    plans: dict[int, list[LeanItem]] = {}
    for rows in rows_by_item.values():
        engagement_id, _, target, criticality, due, *_ = rows[0]
        learners = tuple(
            LearnerLevel(
                internal=counts_towards_coverage(kind is UserKind.INTERNAL, active),
                confirmed=level,
            )
            for _, _, _, _, _, phase, kind, active, level in rows
            if phase is not None
        )
        awaiting = sum(
            1
            for *_, phase, _kind, _active, level in rows
            if awaits_confirmation(phase, level, target)
        )
        facts = PlanItemFacts(target, criticality, due, learners)
        plans.setdefault(engagement_id, []).append(LeanItem(engagement_id, facts, awaiting))
    return plans


def readiness_of_many(
    engagements: Sequence[Engagement], today: date | None = None
) -> dict[int, tuple[EngagementReadiness, list[LeanItem]]]:
    """Readiness of many engagements (lists, the start page) in one query."""
    plans = lean_plan_items([engagement.id for engagement in engagements])
    day = today or current_day()
    result = {}
    for engagement in engagements:
        items = plans.get(engagement.id, [])
        result[engagement.id] = (
            assess_engagement(
                [item.facts for item in items],
                engagement.planned_end_date,
                day,
                closed=engagement.is_closed,
            ),
            items,
        )
    return result


def deadline_sql() -> sa.ColumnElement[date]:
    """``readiness.deadline`` in SQL, for a query that joins plan items to their engagement.

    The planned end is never NULL; a NULL due date fails the comparison and gives the end.
    """
    return sa.case(
        (PlanItem.due_date < Engagement.planned_end_date, PlanItem.due_date),
        else_=Engagement.planned_end_date,
    )


def due_within_sql(today: date, window: int = AT_RISK_DAYS) -> sa.ColumnElement[bool]:
    """``readiness.is_due_within`` of the item's deadline: at risk unless it is covered."""
    return deadline_sql() <= today + timedelta(days=window)


def may_await_confirmation_sql() -> sa.ColumnElement[bool]:
    """The assignments ``readiness.awaits_confirmation`` may be true for; it decides the rest."""
    return Assignment.phase == AWAITING_CONFIRMATION_PHASE


def confirmed_level_sql() -> sa.ScalarSelect[int]:
    """``Assignment.confirmed_level`` in SQL: the level of the latest confirmation, or NULL.

    For a query over assignments; the order is that of ``Assignment.confirmations``.
    """
    return (
        sa.select(LevelConfirmation.level)
        .where(LevelConfirmation.assignment_id == Assignment.id)
        .order_by(LevelConfirmation.created_at.desc(), LevelConfirmation.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def awaits_confirmation_sql() -> sa.ColumnElement[bool]:
    """``readiness.awaits_confirmation`` in SQL, for a query that joins assignments to their
    plan item (a confirmed level is at least 1, so none is below every target)."""
    return sa.and_(
        may_await_confirmation_sql(),
        sa.func.coalesce(confirmed_level_sql(), 0) < PlanItem.target_level,
    )


def covered_sql() -> sa.ColumnElement[bool]:
    """``readiness.is_covered`` in SQL, for a query over plan items: a learner who counts
    (``readiness.counts_towards_coverage``: internal and active) with a confirmed level at
    the target."""
    return (
        sa.select(Assignment.id)
        .join(User, User.id == Assignment.learner_id)
        .where(
            Assignment.plan_item_id == PlanItem.id,
            User.kind == UserKind.INTERNAL,
            User.active.is_(True),
            confirmed_level_sql() >= PlanItem.target_level,
        )
        .correlate(PlanItem)
        .exists()
    )


def at_risk_sql(today: date, window: int = AT_RISK_DAYS) -> sa.ColumnElement[bool]:
    """``readiness.is_at_risk`` in SQL, for a query that joins plan items to their open
    engagement (a closed one has nothing at risk)."""
    return sa.and_(due_within_sql(today, window), sa.not_(covered_sql()))
