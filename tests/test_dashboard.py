"""The start page: a section per role the user holds, readiness numbers, a query budget."""

import re
from datetime import timedelta

import pytest
from flask import url_for

from knowtrans import permissions
from knowtrans.core.clock import today
from knowtrans.engagements.models import EngagementStatus
from knowtrans.extensions import db
from knowtrans.plans.models import Criticality, LearnerRole, Phase
from knowtrans.users.models import Role, UserKind

SECTIONS = {
    Role.CTO: "cto-section",
    Role.IT_LEAD: "it-lead-section",
    Role.STAFF: "staff-section",
    Role.EXPERT: "expert-section",
    Role.ADMIN: "admin-section",
}


def days(n: int):
    return today() + timedelta(days=n)


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def url(app, endpoint, **values):
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.fixture
def page(login_as):
    def _page(user):
        response = login_as(user).get("/")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return _page


def test_needs_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


#: the policy's answer to "does this user see the section?", per section
SEES = {
    "cto-section": permissions.sees_cto_section,
    "it-lead-section": permissions.sees_it_lead_section,
    "staff-section": permissions.sees_staff_section,
    "expert-section": permissions.sees_expert_section,
    "admin-section": permissions.sees_admin_section,
}


@pytest.mark.parametrize("role", list(SECTIONS))
def test_the_policy_shows_each_role_its_section_only(role, make_user):
    user = make_user(role)
    assert {section_id for section_id, sees in SEES.items() if sees(user)} == {SECTIONS[role]}


@pytest.mark.parametrize("role", list(SECTIONS))
def test_each_role_sees_its_section_and_not_the_others(role, make_user, page):
    html = page(make_user(role))
    for other, section_id in SECTIONS.items():
        assert (f'id="{section_id}"' in html) is (other is role), (role, other)
    assert html.count("<h1") == 1


def test_a_user_with_several_roles_sees_each_section(make_user, page):
    html = page(make_user(Role.CTO, Role.IT_LEAD, Role.STAFF))
    for role in (Role.CTO, Role.IT_LEAD, Role.STAFF):
        assert f'id="{SECTIONS[role]}"' in html
    assert f'id="{SECTIONS[Role.ADMIN]}"' not in html


def test_a_user_without_roles_is_told_what_to_do(make_user, page):
    nobody = make_user(Role.STAFF)
    nobody.role_rows = []
    db.session.commit()
    html = page(nobody)
    assert "Your account has no role yet" in html


# --- CTO -----------------------------------------------------------------------------


def test_cto_sees_engagements_ending_soon_or_at_risk(
    app, make_user, make_engagement, make_plan_item, page
):
    cto = make_user(Role.CTO)
    ending = make_engagement(title="Ends in ten days", end=days(10))
    risky = make_engagement(title="Item due soon", end=days(90))
    make_plan_item(risky, criticality=Criticality.HIGH, due=days(5))
    quiet = make_engagement(title="Far away and safe", end=days(90))
    make_plan_item(quiet, due=days(60))
    make_engagement(title="Closed already", status=EngagementStatus.CLOSED, end=days(5))
    make_engagement(title="Planned one", status=EngagementStatus.PLANNED, end=days(200))

    html = section(page(cto), "cto-section")
    assert "Ends in ten days" in html
    assert "Item due soon" in html
    assert "1 at risk" in html
    assert "Far away and safe" not in html
    assert "Closed already" not in html
    assert url(app, "engagements.show", engagement_id=ending.id) in html
    assert url(app, "engagements.new") in html
    assert "New engagement" in html
    # counts per status, as text
    counts = {
        label: int(n)
        for n, label in re.findall(r'big-number">(\d+)</span><br><span class="label">(\w+)', html)
    }
    assert counts == {"Planned": 1, "Active": 3, "Handover": 0, "Closed": 1}


def test_cto_readiness_is_weighted_by_criticality(
    make_user,
    make_engagement,
    make_plan_item,
    make_assignment,
    make_confirmation,
    make_entry,
    page,
):
    cto = make_user(Role.CTO)
    expert = make_user(Role.EXPERT)
    engagement = make_engagement(expert=expert, title="Weighted", end=days(12))
    critical = make_plan_item(engagement, target_level=3, criticality=Criticality.CRITICAL)
    medium = make_plan_item(engagement, target_level=3, criticality=Criticality.MEDIUM)
    covered = make_assignment(critical)
    make_confirmation(covered, 2, expert)
    make_confirmation(covered, 3, expert)  # the latest counts
    hopeful = make_assignment(medium)
    make_entry(hopeful, self_level=5)  # self-assessment is evidence, never coverage

    html = section(page(cto), "cto-section")
    # critical (5) covered, medium (2) not: 5 / 7 = 71 %
    assert "71 % ready" in html
    assert 'class="meter-fill" width="71"' in html
    assert "1 at risk" in html


def test_cto_empty_state_says_what_to_do(make_user, make_engagement, page):
    make_engagement(end=days(120))
    html = section(page(make_user(Role.CTO)), "cto-section")
    assert "Nothing needs your attention" in html
    assert "New engagement" in html


# --- IT lead ---------------------------------------------------------------------------


def test_it_lead_sees_handover_with_uncovered_critical_items(
    app,
    make_user,
    make_engagement,
    make_plan_item,
    make_assignment,
    make_confirmation,
    page,
):
    lead = make_user(Role.IT_LEAD)
    expert = make_user(Role.EXPERT)
    handover = make_engagement(
        expert=expert, title="In handover", status=EngagementStatus.HANDOVER, end=days(40)
    )
    make_engagement(title="Still active", end=days(40))
    done = make_plan_item(handover, target_level=3, criticality=Criticality.CRITICAL)
    open_item = make_plan_item(handover, target_level=3, criticality=Criticality.CRITICAL)
    make_plan_item(handover, target_level=2, criticality=Criticality.LOW)
    make_confirmation(make_assignment(done, phase=Phase.SIGNED_OFF), 3, expert)
    waiting = make_assignment(open_item, phase=Phase.INDEPENDENT)
    make_confirmation(waiting, 2, expert)

    html = section(page(lead), "it-lead-section")
    assert "In handover" in html
    assert "Still active" not in html
    assert url(app, "engagements.show", engagement_id=handover.id) in html
    # critical 5 of 5 + 5 + 1 = 45 %
    assert "45 % ready" in html
    assert '<span class="uncovered">1</span>' in html
    # the independent learner below target awaits confirmation; the signed-off one not
    awaiting = html.split("Learners awaiting confirmation", 1)[1]
    assert waiting.learner.name in awaiting
    assert url(app, "learning.assignment", assignment_id=waiting.id) in awaiting
    assert awaiting.count("<tr>") == 2  # header and one learner


def test_it_lead_empty_states(make_user, page):
    html = section(page(make_user(Role.IT_LEAD)), "it-lead-section")
    assert "No engagement is in handover" in html
    assert "No learner is waiting for a confirmation" in html


# --- staff -----------------------------------------------------------------------------


def test_staff_sees_own_assignments_with_levels_and_record_link(
    app,
    make_user,
    make_engagement,
    make_plan_item,
    make_assignment,
    make_confirmation,
    make_entry,
    make_skill,
    page,
):
    learner = make_user(Role.STAFF)
    expert = make_user(Role.EXPERT)
    engagement = make_engagement(expert=expert, title="Kafka backbone")
    item = make_plan_item(engagement, skill=make_skill("Kafka operations"), target_level=4)
    mine = make_assignment(item, learner=learner, phase=Phase.REVERSE_SHADOWING)
    make_confirmation(mine, 2, expert)
    make_entry(mine, self_level=3)
    make_assignment(make_plan_item(skill=make_skill("Someone else's skill")), phase=Phase.SHADOWING)
    closed = make_engagement(status=EngagementStatus.CLOSED)
    make_assignment(
        make_plan_item(closed, skill=make_skill("Closed skill")),
        learner=learner,
        role=LearnerRole.BACKUP,
    )

    html = section(page(learner), "staff-section")
    assert "Kafka operations" in html
    assert "Kafka backbone" in html
    assert "Reverse shadowing" in html
    assert "2 · Advanced beginner" in html  # confirmed
    assert "3 · Competent" in html  # self-assessed
    assert "4 · Proficient" in html  # target
    assert "Someone else" not in html
    assert "Closed skill" not in html
    assert url(app, "learning.new_entry", assignment_id=mine.id) in html
    assert url(app, "learning.assignment", assignment_id=mine.id) in html
    assert url(app, "learning.my_assignments") in html
    assert "Record learning" in html


def test_staff_sees_the_first_ten_and_a_link_to_all(
    make_user, make_engagement, make_plan_item, make_assignment, page
):
    learner = make_user(Role.STAFF)
    engagement = make_engagement()
    for _ in range(12):
        make_assignment(make_plan_item(engagement), learner=learner)
    html = section(page(learner), "staff-section")
    assert html.count("Record learning") == 10
    assert "All my assignments (12 open)" in html


# --- expert ----------------------------------------------------------------------------


def test_expert_sees_own_open_engagements_with_awaiting_count(
    app,
    make_user,
    make_engagement,
    make_plan_item,
    make_assignment,
    make_confirmation,
    page,
):
    expert = make_user(Role.EXPERT)
    mine = make_engagement(expert=expert, title="My platform work")
    make_engagement(expert=expert, title="My finished work", status=EngagementStatus.CLOSED)
    make_engagement(title="Another expert's work")
    item = make_plan_item(mine, target_level=3, criticality=Criticality.HIGH)
    make_assignment(item, phase=Phase.INDEPENDENT)
    confirmed = make_assignment(item, phase=Phase.INDEPENDENT)
    make_confirmation(confirmed, 3, expert)

    html = section(page(expert), "expert-section")
    assert "My platform work" in html
    assert "My finished work" not in html
    assert "Another expert" not in html
    assert url(app, "engagements.show", engagement_id=mine.id) in html
    assert "100 % ready" in html
    assert '#plan-heading">1 to review</a>' in html


def test_expert_empty_state(make_user, page):
    html = section(page(make_user(Role.EXPERT)), "expert-section")
    assert "You have no open engagement" in html


# --- admin -----------------------------------------------------------------------------


def test_admin_sees_user_counts_and_link(app, make_user, page):
    admin = make_user(Role.ADMIN)
    make_user(Role.STAFF)
    make_user(Role.STAFF, active=False)
    html = section(page(admin), "admin-section")
    assert "<dt>Active</dt><dd>2</dd>" in html
    assert "<dt>Inactive</dt><dd>1</dd>" in html
    assert url(app, "users.index") in html


# --- query budget ----------------------------------------------------------------------


def test_query_count_does_not_grow_with_engagements(
    make_user,
    make_engagement,
    make_plan_item,
    make_assignment,
    make_confirmation,
    make_entry,
    login_as,
    count_queries,
):
    everyone = make_user(
        Role.ADMIN, Role.CTO, Role.IT_LEAD, Role.STAFF, Role.EXPERT, kind=UserKind.INTERNAL
    )
    browser = login_as(everyone)

    def add_engagement():
        engagement = make_engagement(
            expert=everyone, status=EngagementStatus.HANDOVER, end=days(10)
        )
        for criticality in (Criticality.CRITICAL, Criticality.LOW):
            item = make_plan_item(engagement, criticality=criticality, due=days(3))
            assignment = make_assignment(item, learner=everyone, phase=Phase.INDEPENDENT)
            make_confirmation(assignment, 2, everyone)
            make_entry(assignment)
            make_assignment(item, phase=Phase.SHADOWING)

    queries_seen: list[str] = []

    def queries_for_page() -> int:
        with count_queries() as queries:
            response = browser.get("/")
        assert response.status_code == 200
        queries_seen[:] = queries
        return len(queries)

    add_engagement()
    one = queries_for_page()
    for _ in range(3):
        add_engagement()
    four = queries_for_page()
    assert one == four
    assert four <= 20, "\n".join(queries_seen)


def test_lists_are_cut_and_counted_in_sql_so_a_growing_company_costs_no_statement(
    make_user,
    make_engagement,
    make_plan_item,
    make_assignment,
    make_confirmation,
    login_as,
    count_queries,
):
    """Past the first ten, more engagements to watch, in handover and awaiting confirmation
    change the totals shown, not the statements or the rows listed."""
    lead = make_user(Role.CTO, Role.IT_LEAD)
    browser = login_as(lead)

    def add_engagements(n: int) -> None:
        for _ in range(n):
            engagement = make_engagement(status=EngagementStatus.HANDOVER, end=days(10))
            item = make_plan_item(engagement, criticality=Criticality.CRITICAL, due=days(3))
            waiting = make_assignment(item, phase=Phase.INDEPENDENT)
            make_confirmation(waiting, 1, engagement.expert)

    def statements() -> tuple[int, str]:
        with count_queries() as queries:
            response = browser.get("/")
        assert response.status_code == 200
        return len(queries), response.get_data(as_text=True)

    add_engagements(2)
    few, html = statements()
    assert "Showing" not in html
    add_engagements(13)
    many, html = statements()
    assert many == few
    assert "Showing 10 of 15. " in section(html, "cto-section")
    handover = section(html, "it-lead-section")
    assert "Showing 10 of 15. " in handover
    assert "See all engagements in handover" in handover
    assert handover.split("Learners awaiting confirmation", 1)[1].count("Review</a>") == 10
