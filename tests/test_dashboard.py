"""The start page: a section per role the user holds, readiness numbers, a query budget."""

import re
from datetime import timedelta

import pytest
from flask import url_for

from knowtrans import permissions
from knowtrans.audit.models import AuditEvent
from knowtrans.core.clock import today, utcnow
from knowtrans.core.formatting import format_datetime
from knowtrans.core.i18n import speaking
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


def test_it_lead_sees_active_engagements_with_items_at_risk(
    app,
    make_user,
    make_engagement,
    make_plan_item,
    make_assignment,
    make_confirmation,
    page,
):
    """Besides those in handover, the active engagements with an uncovered item due within
    the at-risk window, each with why: how many items are at risk, and the planned end."""
    lead = make_user(Role.IT_LEAD)
    expert = make_user(Role.EXPERT)
    risky = make_engagement(expert=expert, title="Two items at risk", end=days(40))
    make_plan_item(risky, due=days(3))
    make_plan_item(risky, due=days(-2))  # overdue and uncovered: at risk too
    make_plan_item(risky, due=days(30))  # not yet
    covered = make_engagement(expert=expert, title="Covered in time", end=days(40))
    item = make_plan_item(covered, target_level=3, due=days(3))
    make_confirmation(make_assignment(item), 3, expert)
    make_plan_item(make_engagement(title="Later risk", end=days(90)), due=days(30))
    planned = make_engagement(title="Not started", status=EngagementStatus.PLANNED, end=days(5))
    make_plan_item(planned, due=days(3))
    handover = make_engagement(title="Calm handover", status=EngagementStatus.HANDOVER)
    make_plan_item(handover, due=days(60))

    html = section(page(lead), "it-lead-section")
    assert "Two items at risk" in html
    assert "Calm handover" in html
    for quiet in ("Covered in time", "Later risk", "Not started"):
        assert quiet not in html, quiet
    rows = {
        title: row
        for row in re.findall(r"<tr>.*?</tr>", html, re.S)
        for title in ("Two items at risk", "Calm handover")
        if title in row
    }
    assert "2 items at risk" in rows["Two items at risk"]
    assert "status-active" not in rows["Two items at risk"]  # why: the risk, not the status
    assert "in 40 days" in rows["Two items at risk"]
    assert 'class="badge status-handover">Handover<' in rows["Calm handover"]
    assert "at risk" not in rows["Calm handover"]
    assert url(app, "engagements.show", engagement_id=risky.id) in html
    assert url(app, "engagements.index", status="handover") in html
    assert url(app, "engagements.index", status="active") in html
    assert "Showing" not in html  # both fit


def test_it_lead_empty_states(app, make_user, make_engagement, page):
    make_engagement(title="Quiet", end=days(90))
    html = section(page(make_user(Role.IT_LEAD)), "it-lead-section")
    assert "Nothing needs your attention: no engagement is in handover" in html
    assert "Quiet" not in html
    assert url(app, "engagements.index") in html
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
    # the colour says each against the target; the target itself is neutral
    assert re.search(r'class="level level-below"[^>]*>2 · Advanced beginner<', html)
    assert re.search(r'class="level level-below level-self"[^>]*>3 · Competent<', html)
    assert re.search(r'class="level level-neutral"[^>]*>4 · Proficient<', html)
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


def long_ago(user, *, created: int | None = None, signed_in: int | None = None):
    """Back-date ``user``'s account and last sign-in by so many days."""
    now = utcnow()
    if created is not None:
        user.created_at = now - timedelta(days=created)
    if signed_in is not None:
        user.last_login_at = now - timedelta(days=signed_in)
    db.session.commit()
    return user


def test_admin_sees_user_counts_and_link(app, make_user, page):
    admin = make_user(Role.ADMIN)
    make_user(Role.STAFF)
    make_user(Role.STAFF, active=False)
    html = section(page(admin), "admin-section")
    counts = {
        label: int(n)
        for n, label in re.findall(r'big-number">(\d+)</span><br><span class="label">(\w+)', html)
    }
    assert counts == {"Active": 2, "Inactive": 1}
    assert url(app, "users.index") in html
    assert url(app, "users.index", active="1") in html
    assert url(app, "users.index", active="0") in html


def test_admin_sees_accounts_without_a_sign_in_for_90_days(app, make_user, page):
    admin = make_user(Role.ADMIN)
    away = long_ago(make_user(Role.STAFF, name="Away Long"), created=400, signed_in=120)
    never = long_ago(make_user(Role.EXPERT, name="Never Came"), created=100)
    long_ago(make_user(Role.STAFF, name="New Hire"), created=10)  # never, but new
    long_ago(make_user(Role.STAFF, name="Seen Lately"), created=400, signed_in=89)
    long_ago(make_user(Role.STAFF, name="Gone Away", active=False), created=400, signed_in=300)

    html = section(page(admin), "admin-section")
    stale = html.split('id="not-signed-in-title"', 1)[1].split('id="deactivated-title"', 1)[0]
    assert "No sign-in for 90 days" in stale
    # the longest unseen first; never signed in counts from the account's creation
    assert stale.index("Away Long") < stale.index("Never Came")
    for recent in ("New Hire", "Seen Lately", "Gone Away", admin.name):
        assert recent not in stale, recent
    assert url(app, "users.edit", user_id=away.id, next="/") in stale
    assert never.email in stale
    assert "None recorded" in stale
    assert f'<time datetime="{away.last_login_at.isoformat(timespec="seconds")}">' in stale


def test_admin_sees_deactivated_accounts(app, make_user, page):
    admin = make_user(Role.ADMIN)
    gone = make_user(Role.STAFF, name="Gone Away", active=False)
    make_user(Role.STAFF, name="Still Here")
    html = section(page(admin), "admin-section")
    deactivated = html.split('id="deactivated-title"', 1)[1].split('id="uncategorised-title"')[0]
    assert "Gone Away" in deactivated
    assert "Still Here" not in deactivated
    assert url(app, "users.edit", user_id=gone.id, next="/") in deactivated
    assert "All deactivated users" in deactivated
    assert url(app, "users.index", active="0") in deactivated


def test_admin_sees_skills_without_a_category(app, make_user, make_skill, page):
    admin = make_user(Role.ADMIN)
    empty = make_skill("Mainframe batch", category="")
    make_skill("Blank category", category="   ")
    make_skill("Archived blank", category="", archived=True)
    make_skill("Kubernetes", category="Infrastructure")
    html = section(page(admin), "admin-section")
    skills = html.split('id="uncategorised-title"', 1)[1].split('id="audit-title"')[0]
    assert "Mainframe batch" in skills
    assert "Blank category" in skills
    assert "Archived blank" not in skills
    assert "Kubernetes" not in skills
    assert url(app, "skills.edit", skill_id=empty.id, next="/") in skills
    assert url(app, "skills.index") in skills


def test_admin_sees_the_latest_audit_events_in_their_time_zone(app, make_user, page):
    admin = make_user(Role.ADMIN)
    admin.timezone = "America/New_York"
    db.session.commit()
    actor = make_user(Role.CTO, name="Clara CTO")
    noon = utcnow().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    for n in range(12):
        db.session.add(
            AuditEvent(
                actor=actor if n else None,
                action="skill.update" if n else "auth.login_failed",
                object_type="skills",
                summary=f"Change number {n}",
                created_at=noon + timedelta(minutes=n),
            )
        )
    db.session.commit()

    html = section(page(admin), "admin-section")
    audit = html.split('id="audit-title"', 1)[1]
    # the ten newest (the admin's own sign-in records no event), newest first
    shown = re.findall(r"Change number (\d+)", audit)
    assert shown == [str(n) for n in range(11, 1, -1)]
    assert "Clara CTO" in audit
    assert "skill.update" in audit
    with app.test_request_context(), speaking("en", "America/New_York"):
        moment = format_datetime(noon + timedelta(minutes=11))
    assert "7:11" in moment or "8:11" in moment  # New York: 5 or 4 hours behind UTC
    stamp = (noon + timedelta(minutes=11)).isoformat(timespec="seconds")
    assert f'<time datetime="{stamp}">{moment}</time>' in audit


def test_who_did_it_when_nobody_was_signed_in(app, make_user, page):
    admin = make_user(Role.ADMIN)
    for action in ("auth.login_failed", "engagement.close"):
        db.session.add(AuditEvent(actor=None, action=action, object_type="x", summary=action))
    db.session.commit()
    audit = section(page(admin), "admin-section").split('id="audit-title"', 1)[1]
    rows = re.findall(r"<li>.*?</li>", audit, re.S)
    assert any(
        "<strong>Not signed in</strong>" in row and "auth.login_failed" in row for row in rows
    )
    assert any("<strong>System</strong>" in row and "engagement.close" in row for row in rows)


@pytest.mark.parametrize("role", [Role.CTO, Role.IT_LEAD, Role.STAFF, Role.EXPERT])
def test_only_an_admin_reads_accounts_skills_and_the_audit_log_here(
    role, make_user, make_skill, page
):
    long_ago(make_user(Role.STAFF, name="Away Long"), created=200)
    make_user(Role.STAFF, name="Gone Away", active=False)
    make_skill("Loose skill", category="")
    db.session.add(AuditEvent(action="skill.update", object_type="skills", summary="A change"))
    db.session.commit()
    html = page(make_user(role))
    for private in ("Away Long", "Gone Away", "Loose skill", "A change", "audit log"):
        assert private not in html, private


def test_admin_empty_states(make_user, page):
    html = section(page(make_user(Role.ADMIN)), "admin-section")
    assert (
        "Every active account has signed in within the last 90 days or is newer than that." in html
    )
    assert "No account is deactivated." in html
    assert "Every skill that is not archived has a category." in html
    assert "Nothing has been recorded in the audit log yet." in html


def test_admin_lists_are_cut_and_counted(make_user, make_skill, page):
    admin = make_user(Role.ADMIN)
    for n in range(12):
        long_ago(make_user(Role.STAFF, name=f"Stale {n:02}"), created=200)
        make_user(Role.STAFF, name=f"Gone {n:02}", active=False)
        make_skill(f"Loose {n:02}", category="")
    html = section(page(admin), "admin-section")
    stale, rest = html.split('id="not-signed-in-title"', 1)[1].split('id="deactivated-title"', 1)
    deactivated, rest = rest.split('id="uncategorised-title"', 1)
    skills = rest.split('id="audit-title"', 1)[0]
    assert len(re.findall(r"Stale \d+", stale)) == 10
    assert "Showing 10 of 12." in stale
    assert len(re.findall(r"Gone \d+", deactivated)) == 10
    assert "Showing 10 of 12." in deactivated
    assert len(re.findall(r"Loose \d+", skills)) == 10
    assert "Showing 10 of 12." in skills


def test_the_admin_section_in_german(make_user, make_skill, page):
    admin = make_user(Role.ADMIN)
    admin.language = "de"
    db.session.commit()
    long_ago(make_user(Role.STAFF, name="Away Long"), created=200)
    make_skill("Mainframe batch", category="")
    html = section(page(admin), "admin-section")
    for german in (
        "Keine Anmeldung seit 90 Tagen",
        "Deaktivierte Benutzer",
        "Kompetenzen ohne Kompetenzbereich",
        "Neueste Einträge im Änderungsprotokoll",
        "Keine erfasst",
    ):
        assert german in html, german


def test_the_it_lead_section_in_german(make_user, make_engagement, make_plan_item, page):
    lead = make_user(Role.IT_LEAD)
    lead.language = "de"
    db.session.commit()
    risky = make_engagement(title="Risky", end=days(40))
    make_plan_item(risky, due=days(3))
    make_plan_item(risky, due=days(4))
    html = section(page(lead), "it-lead-section")
    assert "Einsätze in der Übergabe oder gefährdet" in html
    assert "2 Planpunkte gefährdet" in html
    assert "Alle aktiven Einsätze" in html


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

    def add_engagements(n: int, status=EngagementStatus.HANDOVER) -> None:
        for _ in range(n):
            engagement = make_engagement(status=status, end=days(10))
            item = make_plan_item(engagement, criticality=Criticality.CRITICAL, due=days(3))
            waiting = make_assignment(item, phase=Phase.INDEPENDENT)
            make_confirmation(waiting, 1, engagement.expert)

    def statements() -> tuple[int, str]:
        with count_queries() as queries:
            response = browser.get("/")
        assert response.status_code == 200
        return len(queries), response.get_data(as_text=True)

    add_engagements(2)
    add_engagements(1, status=EngagementStatus.ACTIVE)
    few, html = statements()
    assert "Showing" not in html
    add_engagements(11)
    add_engagements(1, status=EngagementStatus.ACTIVE)
    many, html = statements()
    assert many == few
    assert "Showing 10 of 15. " in section(html, "cto-section")
    handover = section(html, "it-lead-section")
    assert "Showing 10 of 15 (13 in handover, 2 active with items at risk)." in handover
    assert "All engagements in handover" in handover
    assert "All active engagements" in handover
    assert handover.split("Learners awaiting confirmation", 1)[1].count("Review</a>") == 10


def test_the_admin_section_costs_the_same_statements_for_a_larger_company(
    make_user, make_skill, login_as, count_queries
):
    """More stale, deactivated, uncategorised and audited rows change the totals shown, not
    the statements or the rows listed."""
    admin = make_user(Role.ADMIN)
    browser = login_as(admin)
    actor = make_user(Role.CTO)

    def add(n: int) -> None:
        for _ in range(n):
            long_ago(make_user(Role.STAFF), created=200)
            make_user(Role.STAFF, active=False)
            make_skill(category="")
            db.session.add(AuditEvent(actor=actor, action="skill.update", object_type="skills"))
        db.session.commit()

    def statements() -> tuple[list[str], str]:
        with count_queries() as queries:
            response = browser.get("/")
        assert response.status_code == 200
        return list(queries), response.get_data(as_text=True)

    add(1)
    few, html = statements()
    assert "Showing" not in html
    add(14)
    many, html = statements()
    assert len(many) == len(few), "\n".join(many)
    # the signed-in user and their roles, then admin_section's five statements
    assert len(many) == 7, "\n".join(many)
    assert html.count("Showing 10 of 15.") == 3  # stale, deactivated, skills
    assert section(html, "admin-section").split('id="audit-title"')[1].count("<time") == 10
