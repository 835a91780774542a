"""The readiness rules of PRODUCT.md, as pure functions."""

from datetime import date, timedelta

import pytest

from knowtrans.readiness import (
    LearnerLevel,
    PlanItemFacts,
    assess_engagement,
    bus_factor,
    deadline,
    is_at_risk,
    is_covered,
    weighted_readiness,
)

TODAY = date(2026, 11, 27)


def item(target=3, criticality="high", due=None, learners=()):
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


def test_external_learners_do_not_count():
    facts = item(target=2, learners=[LearnerLevel(internal=False, confirmed=5)])
    assert not is_covered(facts)


def test_bus_factor_counts_every_learner_at_or_above_target():
    facts = item(target=3, learners=[internal(3), internal(5), internal(2), internal(None)])
    assert bus_factor(facts) == 2


@pytest.mark.parametrize(
    ("criticalities", "covered", "expected"),
    [
        (["low", "critical"], [True, False], 1 / 6),
        (["low", "critical"], [False, True], 5 / 6),
        (["medium", "high"], [True, True], 1.0),
        (["medium", "high", "critical"], [False, False, False], 0.0),
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
    assert deadline(item(due=TODAY + timedelta(days=5)), end) == TODAY + timedelta(days=5)
    assert deadline(item(due=None), end) == end
    assert deadline(item(due=end + timedelta(days=9)), end) == end
    assert deadline(item(due=None), None) is None


@pytest.mark.parametrize(
    ("days_left", "at_risk"), [(30, False), (15, False), (14, True), (0, True), (-3, True)]
)
def test_uncovered_item_is_at_risk_within_fourteen_days(days_left, at_risk):
    end = TODAY + timedelta(days=days_left)
    assert is_at_risk(item(learners=[internal(1)]), end, TODAY) is at_risk


def test_due_date_makes_an_item_at_risk_before_the_end():
    far_end = TODAY + timedelta(days=90)
    assert is_at_risk(item(due=TODAY + timedelta(days=3)), far_end, TODAY)


def test_covered_item_is_never_at_risk():
    assert not is_at_risk(item(learners=[internal(4)]), TODAY - timedelta(days=1), TODAY)


def test_assess_engagement_counts():
    end = TODAY + timedelta(days=7)
    result = assess_engagement(
        [
            item(criticality="critical", learners=[internal(3), internal(4)]),
            item(criticality="low", learners=[internal(2)]),
            item(criticality="medium", due=TODAY + timedelta(days=40)),
        ],
        end,
        TODAY,
    )
    assert (result.total, result.covered, result.uncovered, result.at_risk) == (3, 1, 2, 2)
    assert result.items[0].bus_factor == 2
    assert result.percent == round(5 / 8 * 100)


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
    from knowtrans.auth.models import UserKind
    from knowtrans.engagements.readiness_queries import engagement_readiness, readiness_of_many
    from knowtrans.plans.models import Criticality, Phase

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
