"""Readiness and knowledge risk, as pure functions over plain values.

A plan item is covered when at least one internal learner has a confirmed level at or
above the target; self-assessments are evidence, never coverage. Readiness is the share of
covered items weighted by criticality. An uncovered item is at risk when its deadline (the
earlier of its due date and the engagement's planned end) is 14 days away or less.

Every rule lives here and nowhere else. Where a query states a rule in SQL for speed
(``knowtrans.engagements.readiness_queries``), it is built from the constants below, and
``tests/test_readiness_queries.py`` proves the SQL and these functions agree.
"""

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from knowtrans.plans.models import Criticality, Phase

#: how much an item counts towards an engagement's readiness
CRITICALITY_WEIGHTS: dict[Criticality, int] = {
    Criticality.LOW: 1,
    Criticality.MEDIUM: 2,
    Criticality.HIGH: 3,
    Criticality.CRITICAL: 5,
}
#: items whose gaps, and whose single holders, matter most (the report calls them out)
HIGH_CRITICALITIES = frozenset({Criticality.HIGH, Criticality.CRITICAL})
#: days before its deadline from which an uncovered item is at risk
AT_RISK_DAYS = 14
#: a learner in this phase works alone and waits for a lead to confirm the level reached
AWAITING_CONFIRMATION_PHASE = Phase.INDEPENDENT


class Coverage(enum.StrEnum):
    """What one learner's confirmed level means for a plan item."""

    #: counts, and the confirmed level reaches the target
    MET = "met"
    #: counts, confirmed below the target
    BELOW = "below"
    #: counts, but no level is confirmed yet
    UNCONFIRMED = "unconfirmed"
    #: external, or no longer with the company: whatever the level, it does not count
    UNCOUNTED = "uncounted"


@dataclass(frozen=True)
class LearnerLevel:
    #: counts towards coverage: an internal member of staff still with the company (active
    #: account), see ``counts_towards_coverage``
    internal: bool
    confirmed: int | None
    self_assessed: int | None = None


@dataclass(frozen=True)
class PlanItemFacts:
    target_level: int
    criticality: Criticality
    due_date: date | None
    learners: tuple[LearnerLevel, ...] = ()


@dataclass(frozen=True)
class ItemReadiness:
    covered: bool
    bus_factor: int
    at_risk: bool
    deadline: date | None
    weight: int
    criticality: Criticality
    #: the best confirmed level among the learners who count
    best_confirmed: int | None


@dataclass(frozen=True)
class EngagementReadiness:
    items: tuple[ItemReadiness, ...]
    #: weighted share of covered items, 0.0 to 1.0; None for an empty plan
    readiness: float | None

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def covered(self) -> int:
        return sum(1 for item in self.items if item.covered)

    @property
    def uncovered(self) -> int:
        return self.total - self.covered

    @property
    def uncovered_critical(self) -> int:
        return sum(
            1
            for item in self.items
            if not item.covered and item.criticality is Criticality.CRITICAL
        )

    @property
    def at_risk(self) -> int:
        return sum(1 for item in self.items if item.at_risk)

    @property
    def percent(self) -> int | None:
        return None if self.readiness is None else round(self.readiness * 100)


def counts_towards_coverage(internal: bool, active: bool) -> bool:
    """Knowledge counts only while it is in the house: internal staff with an active account."""
    return internal and active


def learner_coverage(learner: LearnerLevel, target_level: int) -> Coverage:
    if not learner.internal:
        return Coverage.UNCOUNTED
    if learner.confirmed is None:
        return Coverage.UNCONFIRMED
    return Coverage.MET if learner.confirmed >= target_level else Coverage.BELOW


def bus_factor(item: PlanItemFacts) -> int:
    """Internal learners whose confirmed level reaches the target."""
    return sum(
        1
        for learner in item.learners
        if learner_coverage(learner, item.target_level) is Coverage.MET
    )


def is_covered(item: PlanItemFacts) -> bool:
    return bus_factor(item) > 0


def best_confirmed(item: PlanItemFacts) -> int | None:
    """The best confirmed level among the learners who count towards coverage."""
    levels = [
        learner.confirmed
        for learner in item.learners
        if learner.internal and learner.confirmed is not None
    ]
    return max(levels, default=None)


def is_single_point(criticality: Criticality, bus_factor: int) -> bool:
    """A high or critical item that only one person holds at the target level."""
    return bus_factor == 1 and criticality in HIGH_CRITICALITIES


def deadline(due_date: date | None, planned_end: date | None) -> date | None:
    """The earlier of the item's due date and the engagement's planned end."""
    dates = [d for d in (due_date, planned_end) if d is not None]
    return min(dates) if dates else None


def is_due_within(when: date | None, today: date, window: int = AT_RISK_DAYS) -> bool:
    """Whether a deadline is ``window`` days away or less, or past."""
    return when is not None and (when - today).days <= window


def is_at_risk(
    item: PlanItemFacts, planned_end: date | None, today: date, window: int = AT_RISK_DAYS
) -> bool:
    if is_covered(item):
        return False
    return is_due_within(deadline(item.due_date, planned_end), today, window)


def awaits_confirmation(phase: Phase | None, confirmed: int | None, target_level: int) -> bool:
    """Working independently, but no confirmed level at the target yet."""
    return phase is AWAITING_CONFIRMATION_PHASE and (confirmed is None or confirmed < target_level)


def weighted_readiness(items: Iterable[PlanItemFacts]) -> float | None:
    total = covered = 0
    for item in items:
        weight = CRITICALITY_WEIGHTS[item.criticality]
        total += weight
        if is_covered(item):
            covered += weight
    return covered / total if total else None


def assess_item(
    item: PlanItemFacts,
    planned_end: date | None,
    today: date,
    window: int = AT_RISK_DAYS,
    *,
    closed: bool = False,
) -> ItemReadiness:
    """``closed``: the engagement is over, so nothing is at risk any more (only uncovered)."""
    return ItemReadiness(
        covered=is_covered(item),
        bus_factor=bus_factor(item),
        at_risk=not closed and is_at_risk(item, planned_end, today, window),
        deadline=deadline(item.due_date, planned_end),
        weight=CRITICALITY_WEIGHTS[item.criticality],
        criticality=item.criticality,
        best_confirmed=best_confirmed(item),
    )


def assess_engagement(
    items: Sequence[PlanItemFacts],
    planned_end: date | None,
    today: date,
    window: int = AT_RISK_DAYS,
    *,
    closed: bool = False,
) -> EngagementReadiness:
    return EngagementReadiness(
        items=tuple(assess_item(item, planned_end, today, window, closed=closed) for item in items),
        readiness=weighted_readiness(items),
    )
