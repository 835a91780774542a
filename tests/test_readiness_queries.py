"""SQL that states a readiness rule for speed says what the pure functions say.

``knowtrans.engagements.readiness_queries`` builds a deadline, "due within the at-risk
window" and "may await confirmation" in SQL, and reads plans in one lean query; the start
page filters and sorts with them. Over generated plans (dates on both sides of every
boundary, learners who count and who do not, every phase, changing confirmations) each must
agree with ``knowtrans.readiness``.
"""

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from knowtrans.core.clock import today
from knowtrans.dashboard.queries import ENDING_SOON_DAYS, dashboard_for
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.engagements.readiness_queries import (
    at_risk_sql,
    awaits_confirmation_sql,
    confirmed_level_sql,
    covered_sql,
    deadline_sql,
    due_within_sql,
    lean_plan_items,
    may_await_confirmation_sql,
    plan_item_facts,
    plan_loading_options,
)
from knowtrans.extensions import db
from knowtrans.plans.models import Assignment, Criticality, Phase, PlanItem
from knowtrans.readiness import (
    AT_RISK_DAYS,
    assess_engagement,
    awaits_confirmation,
    deadline,
    is_at_risk,
    is_covered,
    is_due_within,
)
from knowtrans.users.models import Role, UserKind

#: days from today, on both sides of the at-risk window and of "ends soon"
OFFSETS = [-9, -1, 0, 1, AT_RISK_DAYS - 1, AT_RISK_DAYS, AT_RISK_DAYS + 1, 29, 30, 31, 75]


@pytest.fixture(params=[1, 2, 3], ids=lambda seed: f"seed{seed}")
def generated_plans(
    request, make_user, make_engagement, make_plan_item, make_assignment, make_confirmation
):
    """Engagements with random plans; returns the staff learners, who hold several items."""
    rng = random.Random(request.param)
    day = today()
    expert = make_user(Role.EXPERT)
    learners = [
        make_user(Role.STAFF, kind=kind, active=active)
        for kind in (UserKind.INTERNAL, UserKind.EXTERNAL)
        for active in (True, False)
    ] + [make_user(Role.STAFF) for _ in range(3)]
    # every boundary, whatever the seed: a planned end, then a due date, at each offset
    for offset in OFFSETS:
        make_plan_item(make_engagement(expert=expert, end=day + timedelta(days=offset)))
    far = make_engagement(expert=expert, end=day + timedelta(days=max(OFFSETS)))
    for offset in OFFSETS:
        make_plan_item(far, due=day + timedelta(days=offset))
    statuses = [*EngagementStatus, EngagementStatus.ACTIVE, EngagementStatus.HANDOVER]
    for _ in range(9):
        engagement = make_engagement(
            expert=expert,
            status=rng.choice(statuses),
            end=day + timedelta(days=rng.choice(OFFSETS)),
        )
        for _ in range(rng.randint(0, 4)):
            due = rng.choice([None, None, *OFFSETS])
            item = make_plan_item(
                engagement,
                target_level=rng.randint(1, 5),
                criticality=rng.choice(list(Criticality)),
                due=None if due is None else day + timedelta(days=due),
            )
            for learner in rng.sample(learners, rng.randint(0, 3)):
                assignment = make_assignment(item, learner=learner, phase=rng.choice(list(Phase)))
                for _ in range(rng.choice([0, 1, 1, 2])):
                    make_confirmation(assignment, rng.randint(1, 5), expert)
    db.session.expire_all()
    return learners


def loaded_engagements() -> list[Engagement]:
    return list(
        db.session.scalars(
            sa.select(Engagement).options(*plan_loading_options()).order_by(Engagement.id)
        ).unique()
    )


def test_deadline_and_risk_window_in_sql_agree_with_the_pure_rules(generated_plans):
    day = today()
    rows = db.session.execute(
        sa.select(
            PlanItem.id, deadline_sql(), due_within_sql(day), covered_sql(), at_risk_sql(day)
        ).join(PlanItem.engagement)
    ).all()
    in_sql = {item_id: (when, bool(within)) for item_id, when, within, *_ in rows}
    covered = {item_id: bool(value) for item_id, *_, value, _ in rows}
    at_risk = {item_id: bool(value) for item_id, *_, value in rows}
    items = [item for engagement in loaded_engagements() for item in engagement.plan_items]
    assert items, "the generated plans have items"
    assert set(in_sql) == {item.id for item in items}
    for item in items:
        end = item.engagement.planned_end_date
        when = deadline(item.due_date, end)
        facts = plan_item_facts(item)
        assert in_sql[item.id] == (when, is_due_within(when, day)), item
        assert is_at_risk(facts, end, day) == (in_sql[item.id][1] and not is_covered(facts))
        assert covered[item.id] == is_covered(facts), item
        assert at_risk[item.id] == is_at_risk(facts, end, day), item


def test_awaiting_confirmation_in_sql_is_the_phase_of_the_pure_rule(generated_plans):
    in_sql = set(db.session.scalars(sa.select(Assignment.id).where(may_await_confirmation_sql())))
    awaiting_in_sql = set(
        db.session.scalars(
            sa.select(Assignment.id).join(Assignment.plan_item).where(awaits_confirmation_sql())
        )
    )
    levels = dict(db.session.execute(sa.select(Assignment.id, confirmed_level_sql())).all())
    assignments = db.session.scalars(
        sa.select(Assignment).options(
            selectinload(Assignment.confirmations), selectinload(Assignment.plan_item)
        )
    ).all()
    for assignment in assignments:
        awaits = awaits_confirmation(
            assignment.phase, assignment.confirmed_level, assignment.plan_item.target_level
        )
        # every assignment that awaits is selected; the selection holds nothing of another phase
        assert not awaits or assignment.id in in_sql
        assert (assignment.id in in_sql) == (assignment.phase is Phase.INDEPENDENT)
        assert (assignment.id in awaiting_in_sql) == awaits
        assert levels[assignment.id] == assignment.confirmed_level


def test_the_lean_plans_are_the_loaded_plans(generated_plans):
    engagements = loaded_engagements()
    lean = lean_plan_items([engagement.id for engagement in engagements])
    for engagement in engagements:
        items = lean.get(engagement.id, [])
        assert [item.facts for item in items] == [
            plan_item_facts(item) for item in engagement.plan_items
        ]
        assert [item.awaiting_confirmation for item in items] == [
            sum(
                awaits_confirmation(a.phase, a.confirmed_level, item.target_level)
                for a in item.assignments
            )
            for item in engagement.plan_items
        ]


def test_start_page_lists_are_what_the_pure_rules_select(generated_plans, make_user):
    """The CTO's watch list, the IT lead's awaiting list and each learner's assignments."""
    day = today()
    engagements = [e for e in loaded_engagements() if not e.is_closed]
    readiness = {
        e.id: assess_engagement(
            [plan_item_facts(item) for item in e.plan_items], e.planned_end_date, day
        )
        for e in engagements
    }
    by_end = sorted(engagements, key=lambda e: (e.planned_end_date, e.id))
    watch = [
        e.id
        for e in by_end
        if e.planned_end_date <= day + timedelta(days=ENDING_SOON_DAYS) or readiness[e.id].at_risk
    ]
    assignments = [
        (a, item, e) for e in engagements for item in e.plan_items for a in item.assignments
    ]
    awaiting = [
        a.id
        for a, item, e in sorted(
            assignments,
            key=lambda row: (deadline(row[1].due_date, row[2].planned_end_date), row[0].id),
        )
        if awaits_confirmation(a.phase, a.confirmed_level, item.target_level)
    ]
    assert watch
    assert awaiting

    # the IT lead's: in handover, or active with an item at risk
    attention = [
        e.id
        for e in by_end
        if e.status is EngagementStatus.HANDOVER
        or (e.status is EngagementStatus.ACTIVE and readiness[e.id].at_risk)
    ]
    handover = [e.id for e in engagements if e.status is EngagementStatus.HANDOVER]

    lead = dashboard_for(make_user(Role.CTO, Role.IT_LEAD))
    assert lead.cto is not None
    assert lead.it_lead is not None
    assert lead.cto.watch_total == len(watch)
    assert [row.engagement.id for row in lead.cto.watch] == watch[:10]
    assert lead.it_lead.attention_total == len(attention)
    assert lead.it_lead.handover_total == len(handover)
    assert lead.it_lead.active_at_risk_total == len(attention) - len(handover)
    assert [row.engagement.id for row in lead.it_lead.attention] == attention[:10]
    assert [row.readiness for row in lead.cto.watch] == [
        readiness[row.engagement.id] for row in lead.cto.watch
    ]
    assert lead.it_lead.awaiting_total == len(awaiting)
    assert [a.id for a in lead.it_lead.awaiting] == awaiting[:10]

    for learner in generated_plans:
        staff = dashboard_for(learner).staff
        assert staff is not None
        mine = sorted(
            (
                (a.phase is Phase.SIGNED_OFF, deadline(item.due_date, e.planned_end_date), a.id)
                for a, item, e in assignments
                if a.learner_id == learner.id
            ),
        )
        assert staff.total == len(mine)
        assert [a.id for a in staff.assignments] == [a_id for *_, a_id in mine][:10]
        assert staff.deadlines == {a_id: when for _, when, a_id in mine[:10]}
