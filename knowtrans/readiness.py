"""Readiness and knowledge risk, as pure functions over plain values.

A plan item is covered when at least one internal learner has a confirmed level at or
above the target; self-assessments are evidence, never coverage. Readiness is the share of
covered items weighted by criticality. An uncovered item is at risk when its deadline (the
earlier of its due date and the engagement's planned end) is 14 days away or less.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

CRITICALITY_WEIGHTS = {"low": 1, "medium": 2, "high": 3, "critical": 5}
AT_RISK_DAYS = 14


@dataclass(frozen=True)
class LearnerLevel:
    #: an internal member of staff still with the company (active account)
    internal: bool
    confirmed: int | None
    self_assessed: int | None = None


@dataclass(frozen=True)
class PlanItemFacts:
    target_level: int
    criticality: str
    due_date: date | None
    learners: tuple[LearnerLevel, ...] = ()


@dataclass(frozen=True)
class ItemReadiness:
    covered: bool
    bus_factor: int
    at_risk: bool
    deadline: date | None
    weight: int


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
    def at_risk(self) -> int:
        return sum(1 for item in self.items if item.at_risk)

    @property
    def percent(self) -> int | None:
        return None if self.readiness is None else round(self.readiness * 100)


def bus_factor(item: PlanItemFacts) -> int:
    """Internal learners whose confirmed level reaches the target."""
    return sum(
        1
        for learner in item.learners
        if learner.internal
        and learner.confirmed is not None
        and learner.confirmed >= item.target_level
    )


def is_covered(item: PlanItemFacts) -> bool:
    return bus_factor(item) > 0


def deadline(item: PlanItemFacts, planned_end: date | None) -> date | None:
    """The earlier of the item's due date and the engagement's planned end."""
    dates = [d for d in (item.due_date, planned_end) if d is not None]
    return min(dates) if dates else None


def is_at_risk(
    item: PlanItemFacts, planned_end: date | None, today: date, window: int = AT_RISK_DAYS
) -> bool:
    if is_covered(item):
        return False
    when = deadline(item, planned_end)
    return when is not None and (when - today).days <= window


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
        deadline=deadline(item, planned_end),
        weight=CRITICALITY_WEIGHTS[item.criticality],
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
