"""The readiness rules of PRODUCT.md, as pure functions."""

from datetime import date, timedelta

import pytest

from knowtrans.plans.models import Criticality, Phase
from knowtrans.readiness import (
    Coverage,
    LearnerLevel,
    PlanItemFacts,
    assess_engagement,
    awaits_confirmation,
    best_confirmed,
    bus_factor,
    counts_towards_coverage,
    deadline,
    is_at_risk,
    is_covered,
    is_due_within,
    is_single_point,
    learner_coverage,
    weighted_readiness,
)

TODAY = date(2026, 11, 27)


def item(target=3, criticality=Criticality.HIGH, due=None, learners=()):
    return PlanItemFacts(
        target_level=target, criticality=criticality, due_date=due, learners=tuple(learners)
    )


def internal(confirmed, self_assessed=None):
    return LearnerLevel(internal=True, confirmed=confirmed, self_assessed=self_assessed)


def test_confirmed_level_at_target_covers():
    assert is_covered(item(target=3, learners=[internal(3)]))
    assert bus_factor(item(target=3, learners=[internal(3)])) == 1


def test_confirmed_level_below_target_does_not_cover():
    assert not is_covered(item(target=4, learners=[internal(3)]))


def test_self_assessment_is_evidence_never_coverage():
    facts = item(target=3, learners=[internal(None, self_assessed=5), internal(2, 5)])
    assert not is_covered(facts)
    assert bus_factor(facts) == 0


@pytest.mark.parametrize(
    ("internal", "active", "counts"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_knowledge_counts_while_it_is_in_the_house(internal, active, counts):
    assert counts_towards_coverage(internal, active) is counts


@pytest.mark.parametrize(
    ("learner", "expected"),
    [
        (LearnerLevel(internal=True, confirmed=4), Coverage.MET),
        (LearnerLevel(internal=True, confirmed=3), Coverage.MET),
        (LearnerLevel(internal=True, confirmed=2), Coverage.BELOW),
        (LearnerLevel(internal=True, confirmed=None, self_assessed=5), Coverage.UNCONFIRMED),
        (LearnerLevel(internal=False, confirmed=5), Coverage.UNCOUNTED),
        (LearnerLevel(internal=False, confirmed=None), Coverage.UNCOUNTED),
    ],
)
def test_each_learner_has_one_coverage_state_and_only_met_covers(learner, expected):
    assert learner_coverage(learner, 3) is expected
    assert is_covered(item(target=3, learners=[learner])) is (expected is Coverage.MET)


def test_best_confirmed_level_is_of_the_learners_who_count():
    outsider = LearnerLevel(internal=False, confirmed=5)
    assert best_confirmed(item(learners=[internal(2), outsider, internal(None, 4)])) == 2
    assert best_confirmed(item(learners=[outsider])) is None


@pytest.mark.parametrize(
    ("criticality", "holders", "single"),
    [
        (Criticality.CRITICAL, 1, True),
        (Criticality.HIGH, 1, True),
        (Criticality.MEDIUM, 1, False),
        (Criticality.LOW, 1, False),
        (Criticality.CRITICAL, 2, False),
        (Criticality.CRITICAL, 0, False),
    ],
)
def test_a_single_point_is_a_high_stakes_item_one_person_holds(criticality, holders, single):
    assert is_single_point(criticality, holders) is single


@pytest.mark.parametrize(
    ("phase", "confirmed", "awaits"),
    [
        (Phase.INDEPENDENT, None, True),
        (Phase.INDEPENDENT, 2, True),
        (Phase.INDEPENDENT, 3, False),
        (Phase.INDEPENDENT, 5, False),
        (Phase.REVERSE_SHADOWING, None, False),
        (Phase.SIGNED_OFF, 1, False),
        (None, None, False),
    ],
)
def test_awaiting_confirmation_is_working_alone_below_the_target(phase, confirmed, awaits):
    assert awaits_confirmation(phase, confirmed, 3) is awaits


def test_external_learners_do_not_count():
    facts = item(target=2, learners=[LearnerLevel(internal=False, confirmed=5)])
    assert not is_covered(facts)


def test_bus_factor_counts_every_learner_at_or_above_target():
    facts = item(target=3, learners=[internal(3), internal(5), internal(2), internal(None)])
    assert bus_factor(facts) == 2


@pytest.mark.parametrize(
    ("criticalities", "covered", "expected"),
    [
        ([Criticality.LOW, Criticality.CRITICAL], [True, False], 1 / 6),
        ([Criticality.LOW, Criticality.CRITICAL], [False, True], 5 / 6),
        ([Criticality.MEDIUM, Criticality.HIGH], [True, True], 1.0),
        ([Criticality.MEDIUM, Criticality.HIGH, Criticality.CRITICAL], [False, False, False], 0.0),
    ],
)
def test_readiness_is_weighted_by_criticality(criticalities, covered, expected):
    items = [
        item(target=3, criticality=c, learners=[internal(3 if ok else 1)])
        for c, ok in zip(criticalities, covered, strict=True)
    ]
    assert weighted_readiness(items) == pytest.approx(expected)


def test_empty_plan_has_no_readiness():
    assert weighted_readiness([]) is None
    assert assess_engagement([], TODAY, TODAY).percent is None


def test_deadline_is_the_earlier_of_due_date_and_planned_end():
    end = TODAY + timedelta(days=30)
    assert deadline(TODAY + timedelta(days=5), end) == TODAY + timedelta(days=5)
    assert deadline(None, end) == end
    assert deadline(end + timedelta(days=9), end) == end
    assert deadline(None, None) is None


@pytest.mark.parametrize(
    ("days_left", "at_risk"), [(30, False), (15, False), (14, True), (0, True), (-3, True)]
)
def test_uncovered_item_is_at_risk_within_fourteen_days(days_left, at_risk):
    end = TODAY + timedelta(days=days_left)
    assert is_at_risk(item(learners=[internal(1)]), end, TODAY) is at_risk


@pytest.mark.parametrize(("days_left", "due"), [(15, False), (14, True), (-1, True)])
def test_a_deadline_is_due_within_the_window_or_past(days_left, due):
    assert is_due_within(TODAY + timedelta(days=days_left), TODAY) is due
    assert not is_due_within(None, TODAY)


def test_due_date_makes_an_item_at_risk_before_the_end():
    far_end = TODAY + timedelta(days=90)
    assert is_at_risk(item(due=TODAY + timedelta(days=3)), far_end, TODAY)


def test_covered_item_is_never_at_risk():
    assert not is_at_risk(item(learners=[internal(4)]), TODAY - timedelta(days=1), TODAY)


def test_assess_engagement_counts():
    end = TODAY + timedelta(days=7)
    result = assess_engagement(
        [
            item(criticality=Criticality.CRITICAL, learners=[internal(3), internal(4)]),
            item(criticality=Criticality.LOW, learners=[internal(2)]),
            item(criticality=Criticality.MEDIUM, due=TODAY + timedelta(days=40)),
        ],
        end,
        TODAY,
    )
    assert (result.total, result.covered, result.uncovered, result.at_risk) == (3, 1, 2, 2)
    assert result.items[0].bus_factor == 2
    assert result.percent == round(5 / 8 * 100)
    assert result.uncovered_critical == 0


def test_nothing_is_at_risk_once_the_engagement_is_closed():
    past_end = TODAY - timedelta(days=3)
    result = assess_engagement([item(learners=[internal(1)])], past_end, TODAY, closed=True)
    assert (result.uncovered, result.at_risk) == (1, 0)


def test_deactivated_learners_no_longer_cover(
    db, make_plan_item, make_assignment, make_user, make_confirmation
):
    from knowtrans.engagements.readiness_queries import engagement_readiness

    item = make_plan_item(target_level=3)
    leaver = make_user()
    make_confirmation(make_assignment(plan_item=item, learner=leaver), 4, item.engagement.expert)
    assert engagement_readiness(item.engagement).covered == 1
    leaver.active = False
    db.session.commit()
    assert engagement_readiness(item.engagement).covered == 0


def test_lean_readiness_agrees_with_the_loaded_plan(
    db, make_engagement, make_plan_item, make_assignment, make_user, make_confirmation
):
    """Lists read readiness from one lean query; it must say what the engagement page says."""
    from knowtrans.engagements.readiness_queries import engagement_readiness, readiness_of_many
    from knowtrans.plans.models import Criticality, Phase
    from knowtrans.users.models import UserKind

    engagements = [make_engagement(end=TODAY + timedelta(days=days)) for days in (5, 60)]
    leaver = make_user(active=False)
    for engagement in engagements:
        expert = engagement.expert
        covered = make_plan_item(engagement=engagement, criticality=Criticality.CRITICAL)
        first = make_assignment(plan_item=covered, phase=Phase.INDEPENDENT)
        make_confirmation(first, 4, expert)
        make_confirmation(first, 2, expert)  # the latest counts: below target again
        make_confirmation(make_assignment(plan_item=covered), 3, expert)
        lost = make_plan_item(engagement=engagement, criticality=Criticality.LOW)
        make_confirmation(make_assignment(plan_item=lost, learner=leaver), 5, expert)
        outsider = make_user(kind=UserKind.EXTERNAL)
        make_confirmation(make_assignment(plan_item=lost, learner=outsider), 5, expert)
        make_plan_item(engagement=engagement, criticality=Criticality.HIGH, due=TODAY)
    db.session.expire_all()
    lean = readiness_of_many(engagements)
    for engagement in engagements:
        assert lean[engagement.id][0] == engagement_readiness(engagement)
        assert sum(item.awaiting_confirmation for item in lean[engagement.id][1]) == 1
