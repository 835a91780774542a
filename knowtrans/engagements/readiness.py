"""From loaded engagements to the pure readiness functions' plain facts."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import joinedload, selectinload

from knowtrans.core.clock import today as current_day
from knowtrans.engagements.models import Engagement
from knowtrans.plans.models import Assignment, PlanItem
from knowtrans.readiness import (
    EngagementReadiness,
    LearnerLevel,
    PlanItemFacts,
    assess_engagement,
)


def plan_loading_options():
    """Eager loading for everything readiness reads: no lazy loads while assessing."""
    assignments = selectinload(Engagement.plan_items).selectinload(PlanItem.assignments)
    return (
        selectinload(Engagement.plan_items).joinedload(PlanItem.skill),
        assignments.joinedload(Assignment.learner),
        assignments.selectinload(Assignment.confirmations),
        assignments.selectinload(Assignment.learning_entries),
        joinedload(Engagement.expert),
    )


def plan_item_facts(item: PlanItem) -> PlanItemFacts:
    return PlanItemFacts(
        target_level=item.target_level,
        criticality=item.criticality.value,
        due_date=item.due_date,
        learners=tuple(
            LearnerLevel(
                # knowledge counts only while it is in the house: internal and still active
                internal=assignment.learner.is_internal and assignment.learner.active,
                confirmed=assignment.confirmed_level,
                self_assessed=assignment.self_assessed_level,
            )
            for assignment in item.assignments
        ),
    )


def engagement_readiness(
    engagement: Engagement, today: date | None = None, window: int | None = None
) -> EngagementReadiness:
    """Readiness of an engagement whose plan is loaded (see ``plan_loading_options``)."""
    from flask import current_app

    items: Sequence[PlanItem] = engagement.plan_items
    return assess_engagement(
        [plan_item_facts(item) for item in items],
        engagement.planned_end_date,
        today or current_day(),
        window if window is not None else current_app.config["AT_RISK_DAYS"],
        closed=engagement.is_closed,
    )
