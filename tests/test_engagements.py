"""Engagements: the list, creating and editing, the engagement page, advancing the status."""

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from knowtrans.audit.models import AuditEvent
from knowtrans.core.clock import today
from knowtrans.core.formatting import format_date
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db as _db
from knowtrans.plans.models import Criticality, LearnerRole
from knowtrans.users.models import Role, UserKind
from tests.conftest import commit_elsewhere, row_count


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no hidden field {name!r} on the page"
    return match.group(1)


def option_labels(html: str, select_name: str) -> list[str]:
    match = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {select_name!r} on the page"
    return [unescape(label) for label in re.findall(r"<option[^>]*>([^<]*)</option>", match[1])]


def events(action: str) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(_db.session.scalars(query))


def only(model):
    return _db.session.scalars(sa.select(model)).one()


@pytest.fixture
def cto(make_user):
    return make_user(Role.CTO, name="Clara CTO")


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT, name="Erik Expert")


def engagement_data(expert, **overrides) -> dict[str, str]:
    start = today()
    data = {
        "title": "Cluster migration",
        "expert_id": str(expert.id),
        "client": "ACME Logistics",
        "project": "Platform 2.0",
        "start_date": start.isoformat(),
        "planned_end_date": (start + timedelta(days=90)).isoformat(),
        "objectives": "Keep the **cluster** knowledge in the house.",
    }
    data.update(overrides)
    return data


# --- creating ----------------------------------------------------------------------------


def test_cto_creates_an_engagement(login_as, cto, expert):
    browser = login_as(cto)
    response = browser.post("/engagements/new", engagement_data(expert))
    assert response.status_code == 302
    engagement = only(Engagement)
    assert response.headers["Location"] == f"/engagements/{engagement.id}"
    assert engagement.title == "Cluster migration"
    assert engagement.expert_id == expert.id
    assert engagement.project == "Platform 2.0"
    assert engagement.status is EngagementStatus.PLANNED
    assert engagement.planned_end_date == today() + timedelta(days=90)
    (event,) = events("engagement.create")
    assert event.engagement_id == engagement.id
    assert event.actor_id == cto.id
    assert "Erik Expert" in event.summary

    page = text_of(browser.get(response.headers["Location"]))
    assert "Engagement “Cluster migration” created" in page
    assert "<strong>cluster</strong>" in page
    assert "Status: Planned" in page


def test_project_and_objectives_are_optional(login_as, cto, expert):
    response = login_as(cto).post(
        "/engagements/new", engagement_data(expert, project="", objectives="")
    )
    assert response.status_code == 302
    assert only(Engagement).project == ""


def test_expert_select_lists_active_experts_only(login_as, cto, expert, make_user):
    make_user(Role.EXPERT, name="Gone Expert", active=False)
    make_user(Role.STAFF, name="Sam Staff")
    labels = option_labels(
        login_as(cto).get("/engagements/new").get_data(as_text=True), "expert_id"
    )
    assert any("Erik Expert" in label for label in labels)
    assert not any("Gone Expert" in label or "Sam Staff" in label for label in labels)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"planned_end_date": (today() - timedelta(days=1)).isoformat()},
            "The planned end must be on or after the start date.",
        ),
        ({"title": ""}, "Enter a title."),
        ({"title": "   "}, "Enter a title."),
        ({"title": "x" * 161}, "Field cannot be longer than 160 characters."),
        ({"title": "Bad\x00title"}, "Contains characters that are not allowed."),
        ({"client": ""}, "Enter the client."),
        ({"client": "c" * 121}, "Field cannot be longer than 120 characters."),
        ({"project": "p" * 161}, "Field cannot be longer than 160 characters."),
        ({"objectives": "o" * 5001}, "Field cannot be longer than 5000 characters."),
        ({"objectives": "nul \x00 byte"}, "Contains characters that are not allowed."),
        ({"expert_id": ""}, "Choose the expert."),
        ({"expert_id": "abc"}, "Choose the expert from the list."),
        ({"expert_id": "99999999999999999999999"}, "Choose the expert from the list."),
        ({"expert_id": "424242"}, "Choose an active user with the expert role."),
        ({"start_date": ""}, "Enter the start date."),
        ({"start_date": "2026-13-45"}, "Not a valid date value."),
        ({"planned_end_date": "next week"}, "Not a valid date value."),
    ],
)
def test_create_rejects_bad_input(login_as, cto, expert, overrides, message):
    response = login_as(cto).post("/engagements/new", engagement_data(expert, **overrides))
    assert response.status_code == 200
    html = text_of(response)
    assert message in html
    assert 'class="error"' in html
    assert row_count(Engagement) == 0
    assert row_count(AuditEvent) == 0


def test_create_keeps_what_was_typed(login_as, cto, expert):
    end = (today() - timedelta(days=3)).isoformat()
    response = login_as(cto).post(
        "/engagements/new", engagement_data(expert, title="Keep <me>", planned_end_date=end)
    )
    html = response.get_data(as_text=True)
    assert 'value="Keep &lt;me&gt;"' in html
    assert f'value="{end}"' in html
    assert re.search(
        rf'<option selected value="{expert.id}"|<option value="{expert.id}" selected', html
    )


@pytest.mark.parametrize("kind", ["staff", "inactive expert"])
def test_expert_must_be_an_active_expert(login_as, cto, make_user, kind):
    other = make_user(Role.STAFF) if kind == "staff" else make_user(Role.EXPERT, active=False)
    response = login_as(cto).post("/engagements/new", engagement_data(other))
    assert "Choose an active user with the expert role." in text_of(response)
    assert row_count(Engagement) == 0


@pytest.mark.parametrize("role", [Role.STAFF, Role.EXPERT, Role.IT_LEAD, Role.ADMIN])
def test_only_a_cto_creates(login_as, make_user, expert, role):
    browser = login_as(make_user(role))
    assert browser.get("/engagements/new").status_code == 403
    assert browser.post("/engagements/new", engagement_data(expert)).status_code == 403
    assert row_count(Engagement) == 0


# --- editing -----------------------------------------------------------------------------


def test_cto_edits_an_engagement(login_as, cto, make_engagement, make_user):
    engagement = make_engagement(status=EngagementStatus.PLANNED)
    new_expert = make_user(Role.EXPERT, name="Nora New")
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/edit"
    form = browser.get(url).get_data(as_text=True)
    assert 'value="ACME Logistics"' in form
    data = engagement_data(new_expert, title="Renamed", version=hidden_value(form, "version"))
    response = browser.post(url, data)
    assert response.status_code == 302
    engagement = only(Engagement)
    assert engagement.title == "Renamed"
    assert engagement.expert_id == new_expert.id
    (event,) = events("engagement.update")
    assert event.engagement_id == engagement.id
    assert "title" in event.summary
    assert "→ Nora New" in event.summary


def test_edit_keeps_an_expert_who_lost_the_role(login_as, cto, make_engagement, make_user, db):
    old_expert = make_user(Role.EXPERT, name="Old Expert")
    engagement = make_engagement(expert=old_expert)
    old_expert.active = False
    db.session.commit()
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/edit"
    form = browser.get(url).get_data(as_text=True)
    assert any("Old Expert" in label for label in option_labels(form, "expert_id"))
    response = browser.post(
        url, engagement_data(old_expert, client="Other", version=hidden_value(form, "version"))
    )
    assert response.status_code == 302
    assert only(Engagement).client == "Other"


def test_edit_rejects_end_before_start(login_as, cto, make_engagement):
    engagement = make_engagement()
    before = engagement.planned_end_date
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/edit"
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    data = engagement_data(
        engagement.expert,
        start_date="2026-05-10",
        planned_end_date="2026-05-09",
        version=version,
    )
    response = browser.post(url, data)
    assert response.status_code == 200
    assert "The planned end must be on or after the start date." in text_of(response)
    assert only(Engagement).planned_end_date == before
    assert row_count(AuditEvent) == 0


def test_edit_notices_a_concurrent_change(login_as, cto, make_engagement, db):
    engagement = make_engagement(title="Original")
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/edit"
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    assert version == "1"
    engagement.title = "Changed by someone else"
    db.session.commit()
    assert engagement.version == 2
    data = engagement_data(engagement.expert, title="Mine", version=version)
    response = browser.post(url, data)
    assert response.status_code == 200
    html = text_of(response)
    assert "Someone else saved this engagement while you were editing." in html
    assert 'value="Mine"' in html
    assert hidden_value(html, "version") == "2"
    assert only(Engagement).title == "Changed by someone else"
    assert row_count(AuditEvent) == 0
    # a second save, on purpose, replaces the other version
    response = browser.post(url, {**data, "version": hidden_value(html, "version")})
    assert response.status_code == 302
    assert only(Engagement).title == "Mine"
    assert only(Engagement).version == 3


def test_two_clients_editing_an_engagement(login_as, cto, make_user, make_engagement):
    engagement = make_engagement(title="Original")
    url = f"/engagements/{engagement.id}/edit"
    bruno_user = make_user(Role.CTO, name="Bruno Boss")
    alice, bruno = login_as(cto), login_as(bruno_user)
    alice_version = hidden_value(alice.get(url).get_data(as_text=True), "version")
    bruno_version = hidden_value(bruno.get(url).get_data(as_text=True), "version")
    bruno_data = engagement_data(
        engagement.expert, title="Bruno's title", client="Bruno's client", version=bruno_version
    )
    assert bruno.post(url, bruno_data).status_code == 302

    alice_data = engagement_data(
        engagement.expert,
        title="Alice's title",
        objectives="Alice's **objectives**, typed with care.",
        version=alice_version,
    )
    response = alice.post(url, alice_data)

    assert response.status_code == 200
    html = text_of(response)
    assert re.search(r"Bruno Boss saved this engagement on [^<]+ while you were editing", html)
    assert "What changed: Updated title, client" in html
    assert 'value="Alice\'s title"' in html
    assert "Alice's **objectives**, typed with care.</textarea>" in html
    assert "<dd>Bruno's client</dd>" in html  # the saved version, next to the form
    saved = only(Engagement)
    assert (saved.title, saved.client) == ("Bruno's title", "Bruno's client")
    assert len(events("engagement.update")) == 1

    response = alice.post(url, {**alice_data, "version": hidden_value(html, "version")})
    assert response.status_code == 302
    saved = only(Engagement)
    assert (saved.title, saved.client) == ("Alice's title", "ACME Logistics")
    assert saved.objectives == "Alice's **objectives**, typed with care."
    assert [event.actor_id for event in events("engagement.update")] == [bruno_user.id, cto.id]


def test_a_save_of_your_own_from_another_tab_says_so(login_as, cto, make_engagement):
    engagement = make_engagement()
    url = f"/engagements/{engagement.id}/edit"
    browser = login_as(cto)
    stale = hidden_value(browser.get(url).get_data(as_text=True), "version")
    fresh = hidden_value(browser.get(url).get_data(as_text=True), "version")
    assert browser.post(url, engagement_data(engagement.expert, version=fresh)).status_code == 302
    response = browser.post(url, engagement_data(engagement.expert, title="Tab 2", version=stale))
    assert response.status_code == 200
    assert "You saved this engagement on" in text_of(response)
    assert only(Engagement).title == "Cluster migration"


@pytest.mark.parametrize("version", [None, "", "abc", "0", "-1", "1.0", "9" * 30, "9" * 5000])
def test_a_missing_or_unreadable_version_is_a_conflict(login_as, cto, make_engagement, version):
    engagement = make_engagement(title="Original")
    url = f"/engagements/{engagement.id}/edit"
    data = engagement_data(engagement.expert, title="Blind write")
    if version is not None:
        data["version"] = version
    browser = login_as(cto)
    response = browser.post(url, data)
    assert response.status_code == 200
    html = text_of(response)
    assert "saved this engagement" in html
    assert hidden_value(html, "version") == "1"
    assert only(Engagement).title == "Original"
    assert row_count(AuditEvent) == 0


def test_a_save_racing_between_check_and_write_is_a_conflict(
    login_as, cto, make_engagement, monkeypatch
):
    """Someone commits after the version check but before the UPDATE: StaleDataError."""
    from knowtrans.engagements import operations

    engagement = make_engagement(title="Original")
    url = f"/engagements/{engagement.id}/edit"
    browser = login_as(cto)
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    check_version = operations.check_version

    def check_then_lose_the_race(obj, submitted):
        check_version(obj, submitted)
        commit_elsewhere(Engagement, obj.id, title="Won the race")

    monkeypatch.setattr(operations, "check_version", check_then_lose_the_race)
    data = engagement_data(engagement.expert, title="Mine", version=version)
    response = browser.post(url, data)
    assert response.status_code == 200
    html = text_of(response)
    assert "saved this engagement" in html
    assert 'value="Mine"' in html
    assert hidden_value(html, "version") == "2"
    assert only(Engagement).title == "Won the race"
    assert row_count(AuditEvent) == 0


@pytest.mark.parametrize("kind", ["engagement", "plan item", "learning entry", "skill"])
def test_two_sessions_updating_one_row_the_second_gets_stale_data_error(
    db, make_engagement, make_plan_item, make_entry, make_skill, kind
):
    make, column, value = {
        "engagement": (make_engagement, "title", "{}'s title"),
        "plan item": (make_plan_item, "handover_notes", "{}'s notes"),
        "learning entry": (make_entry, "learned", "{}'s text"),
        "skill": (make_skill, "description", "{}'s description"),
    }[kind]
    row = make()
    model, row_id = type(row), row.id
    first, second = Session(db.engine), Session(db.engine)
    try:
        mine = first.get(model, row_id)
        theirs = second.get(model, row_id)
        assert mine.version == theirs.version == 1
        setattr(theirs, column, value.format("Their"))
        second.commit()
        setattr(mine, column, value.format("My"))
        with pytest.raises(StaleDataError):
            first.commit()
        first.rollback()
    finally:
        first.close()
        second.close()
    db.session.expire_all()
    saved = db.session.get(model, row_id)
    assert (getattr(saved, column), saved.version) == (value.format("Their"), 2)


def test_saving_unchanged_records_nothing(login_as, cto, make_engagement):
    engagement = make_engagement()
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/edit"
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    data = {
        "title": engagement.title,
        "expert_id": str(engagement.expert_id),
        "client": engagement.client,
        "project": engagement.project,
        "start_date": engagement.start_date.isoformat(),
        "planned_end_date": engagement.planned_end_date.isoformat(),
        "objectives": engagement.objectives,
        "version": version,
    }
    assert browser.post(url, data).status_code == 302
    assert row_count(AuditEvent) == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.IT_LEAD, 403), (Role.ADMIN, 403), (Role.STAFF, 404), (Role.EXPERT, 404)],
)
def test_only_a_cto_edits(login_as, make_user, make_engagement, role, status):
    engagement = make_engagement(title="Untouched")
    browser = login_as(make_user(role))
    url = f"/engagements/{engagement.id}/edit"
    assert browser.get(url).status_code == status
    response = browser.post(url, engagement_data(engagement.expert, title="Hijacked"))
    assert response.status_code == status
    assert only(Engagement).title == "Untouched"


def test_the_engagements_expert_cannot_edit_it(login_as, make_engagement):
    engagement = make_engagement()
    browser = login_as(engagement.expert)
    assert browser.get(f"/engagements/{engagement.id}/edit").status_code == 403


def test_closed_engagements_are_read_only(login_as, cto, make_engagement):
    engagement = make_engagement(status=EngagementStatus.CLOSED)
    browser = login_as(cto)
    assert browser.get(f"/engagements/{engagement.id}/edit").status_code == 403
    page = text_of(browser.get(f"/engagements/{engagement.id}"))
    assert "Edit engagement" not in page
    assert "Add plan item" not in page


@pytest.mark.parametrize("engagement_id", ["424242", "99999999999999999999999", "0"])
def test_unknown_engagement_is_404(login_as, cto, engagement_id):
    browser = login_as(cto)
    assert browser.get(f"/engagements/{engagement_id}").status_code == 404
    assert browser.get(f"/engagements/{engagement_id}/edit").status_code == 404
    assert browser.post(f"/engagements/{engagement_id}/advance", form_url="/").status_code == 404


def test_non_numeric_id_is_404(login_as, cto):
    assert login_as(cto).get("/engagements/abc").status_code == 404


# --- the list ----------------------------------------------------------------------------


@pytest.fixture
def three_engagements(make_user, make_engagement, make_plan_item, make_assignment):
    """Two experts, three engagements; Sam is assigned to one of Erik's."""
    erik = make_user(Role.EXPERT, name="Erik Expert")
    olga = make_user(Role.EXPERT, name="Olga Outsider")
    sam = make_user(Role.STAFF, name="Sam Staff")
    first = make_engagement(expert=erik, title="Kubernetes handover")
    second = make_engagement(expert=erik, title="Billing rewrite", status=EngagementStatus.PLANNED)
    third = make_engagement(expert=olga, title="Data warehouse")
    make_assignment(plan_item=make_plan_item(engagement=first), learner=sam)
    return {"erik": erik, "olga": olga, "sam": sam, "engagements": (first, second, third)}


@pytest.mark.parametrize("role", [Role.CTO, Role.IT_LEAD, Role.ADMIN])
def test_oversight_roles_see_every_engagement(login_as, make_user, three_engagements, role):
    html = text_of(login_as(make_user(role)).get("/engagements"))
    for title in ("Kubernetes handover", "Billing rewrite", "Data warehouse"):
        assert title in html


def test_an_expert_sees_their_own_engagements(login_as, three_engagements):
    html = text_of(login_as(three_engagements["erik"]).get("/engagements"))
    assert "Kubernetes handover" in html
    assert "Billing rewrite" in html
    assert "Data warehouse" not in html


def test_staff_see_the_engagements_they_are_assigned_to(login_as, three_engagements):
    html = text_of(login_as(three_engagements["sam"]).get("/engagements"))
    assert "Kubernetes handover" in html
    assert "Billing rewrite" not in html
    assert "Data warehouse" not in html


def test_empty_states(login_as, cto, make_user):
    assert "Create the first one" in text_of(login_as(cto).get("/engagements"))
    staff_page = text_of(login_as(make_user(Role.STAFF)).get("/engagements"))
    assert "No engagements are shared with you yet" in staff_page
    assert "New engagement" not in staff_page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?q=kubernetes", {"Kubernetes handover"}),
        ("?q=olga", {"Data warehouse"}),
        ("?q=ACME", {"Kubernetes handover", "Billing rewrite", "Data warehouse"}),
        ("?q=platform+migration", {"Kubernetes handover", "Billing rewrite", "Data warehouse"}),
        ("?status=planned", {"Billing rewrite"}),
        ("?status=active&q=erik", {"Kubernetes handover"}),
        ("?status=all", {"Kubernetes handover", "Billing rewrite", "Data warehouse"}),
        ("?q=%25", set()),
        ("?q=_", set()),
        ("?status=bogus", {"Kubernetes handover", "Billing rewrite", "Data warehouse"}),
        ("?q=%00", {"Kubernetes handover", "Billing rewrite", "Data warehouse"}),
        ("?page=abc", {"Kubernetes handover", "Billing rewrite", "Data warehouse"}),
        ("?page=-3", {"Kubernetes handover", "Billing rewrite", "Data warehouse"}),
        # past the end: the last page
        (
            "?page=99999999999999999999999",
            {"Kubernetes handover", "Billing rewrite", "Data warehouse"},
        ),
    ],
)
def test_filters_and_search(login_as, cto, three_engagements, query, expected):
    response = login_as(cto).get(f"/engagements{query}", follow_redirects=True)
    assert response.status_code == 200
    html = text_of(response)
    shown = {t for t in ("Kubernetes handover", "Billing rewrite", "Data warehouse") if t in html}
    assert shown == expected


def test_filtered_empty_state_offers_to_clear(login_as, cto, three_engagements):
    html = text_of(login_as(cto).get("/engagements?q=nothing-like-this"))
    assert "No engagement matches these filters" in html
    assert 'value="nothing-like-this"' in html


def test_list_is_paginated(login_as, cto, make_engagement, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for n in range(5):
        make_engagement(title=f"Paged {n}", start=today() - timedelta(days=n))
    browser = login_as(cto)
    first = text_of(browser.get("/engagements?status=active"))
    assert "Paged 0" in first
    assert "Paged 1" in first
    assert "Paged 2" not in first
    assert "Page 1 of 3" in first
    assert "/engagements?page=2&amp;status=active" in browser.get(
        "/engagements?status=active"
    ).get_data(as_text=True)
    last = text_of(browser.get("/engagements?status=active&page=3"))
    assert "Paged 4" in last
    assert "Paged 3" not in last


def test_list_shows_readiness_and_risk(
    login_as, cto, make_engagement, make_plan_item, make_assignment, make_confirmation
):
    engagement = make_engagement(title="Soon over", end=today() + timedelta(days=5))
    covered = make_plan_item(engagement=engagement, criticality=Criticality.HIGH, target_level=3)
    make_plan_item(engagement=engagement, criticality=Criticality.LOW, target_level=3)
    make_confirmation(make_assignment(plan_item=covered), 3, cto)
    make_engagement(title="No plan")
    html = text_of(login_as(cto).get("/engagements"))
    row = re.search(r"<tr>\s*<th scope=\"row\"><a[^>]*>Soon over</a>.*?</tr>", html, re.S)[0]
    assert "75%" in row
    assert "1 at risk" in row
    assert "Active" in row
    assert (
        "no plan yet"
        in re.search(r"<tr>\s*<th scope=\"row\"><a[^>]*>No plan</a>.*?</tr>", html, re.S)[0]
    )


def test_list_query_count_does_not_grow_with_rows(
    login_as, cto, make_engagement, make_plan_item, make_assignment, count_queries, db
):
    def add_engagement():
        engagement = make_engagement()
        make_assignment(plan_item=make_plan_item(engagement=engagement))

    browser = login_as(cto)
    add_engagement()
    db.session.expunge_all()
    with count_queries() as few:
        assert browser.get("/engagements").status_code == 200
    for _ in range(4):
        add_engagement()
    db.session.expunge_all()
    with count_queries() as many:
        assert browser.get("/engagements").status_code == 200
    assert len(few) == len(many)


# --- the engagement page -----------------------------------------------------------------


def test_another_engagements_people_get_404(login_as, three_engagements):
    first, second, third = three_engagements["engagements"]
    sam, erik, olga = three_engagements["sam"], three_engagements["erik"], three_engagements["olga"]
    assert login_as(sam).get(f"/engagements/{first.id}").status_code == 200
    assert login_as(sam).get(f"/engagements/{second.id}").status_code == 404
    assert login_as(erik).get(f"/engagements/{first.id}").status_code == 200
    assert login_as(erik).get(f"/engagements/{third.id}").status_code == 404
    assert login_as(olga).get(f"/engagements/{first.id}").status_code == 404


def test_page_shows_facts_plan_and_learners(
    login_as, cto, make_engagement, make_skill, make_plan_item, make_assignment, make_user, db
):
    engagement = make_engagement(title="Cluster migration")
    item = make_plan_item(
        engagement=engagement,
        skill=make_skill("Kubernetes operations", category="Platform"),
        target_level=4,
        criticality=Criticality.CRITICAL,
        due=today() + timedelta(days=20),
    )
    item.handover_notes = "Runbooks live in `ops/`.\n\n<script>alert(1)</script>"
    db.session.commit()
    maria = make_user(Role.STAFF, name="Maria Lopez")
    assignment = make_assignment(plan_item=item, learner=maria, role=LearnerRole.BACKUP)
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}"))
    assert html.count("<h1") == 1
    assert "Kubernetes operations" in html
    assert "4 · Proficient" in html
    assert "Critical" in html
    assert format_date(today() + timedelta(days=20)) in html  # English: "Nov 27, 2026"
    assert f'href="/assignments/{assignment.id}">Maria Lopez</a>' in html
    assert "(Backup)" in html
    assert "Phase 2/5 · Shadowing" in html
    assert "<code>ops/</code>" in html
    assert "<script>" not in html
    assert "ACME Logistics" in html
    assert "Platform migration" in html
    assert "<strong>platform</strong>" in html


def test_readiness_follows_confirmations(
    login_as, cto, make_engagement, make_plan_item, make_assignment, make_entry, make_confirmation
):
    engagement = make_engagement()
    item = make_plan_item(engagement=engagement, target_level=3)
    assignment = make_assignment(plan_item=item)
    make_entry(assignment=assignment, self_level=5)
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}"

    html = text_of(browser.get(url))
    assert 'class="big-number">0%<' in html
    assert '<span class="uncovered">No</span>' in html
    assert "5 · Expert" in html  # self-assessed: evidence, never coverage

    make_confirmation(assignment, 2, engagement.expert)
    html = text_of(browser.get(url))
    assert 'class="big-number">0%<' in html
    assert "2 · Advanced beginner" in html

    make_confirmation(assignment, 3, engagement.expert)
    html = text_of(browser.get(url))
    assert 'class="big-number">100%<' in html
    assert '<span class="covered">Yes</span>' in html
    assert "Bus factor 1" in html


def test_a_learner_chip_says_name_role_phase_and_levels(
    login_as, cto, make_engagement, make_plan_item, make_assignment, make_entry, make_confirmation
):
    engagement = make_engagement()
    item = make_plan_item(engagement=engagement, target_level=3)
    assignment = make_assignment(plan_item=item, role=LearnerRole.BACKUP)
    make_entry(assignment=assignment, self_level=4)
    make_confirmation(assignment, 2, engagement.expert)
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}"))
    chip = re.search(r'<li class="learner">.*?</li>', html, re.S)[0]
    assert f'<a class="name" href="/assignments/{assignment.id}">' in chip
    assert "(Backup)" in chip
    assert "Phase 2/5 · Shadowing" in chip
    # the numbers on sight; for screen readers and on hover the whole sentence
    assert re.search(
        r'class="level level-below level-short"[^>]*><span aria-hidden="true">2<', chip
    )
    assert re.search(
        r'class="level level-met level-self level-short"[^>]*><span aria-hidden="true">4<', chip
    )
    assert (
        '<span class="sr-only">Confirmed level 2 · Advanced beginner: '
        "below the target level 3 · Competent</span>"
    ) in chip
    assert (
        '<span class="sr-only">Self-assessed level 4 · Proficient: '
        "reaches the target level 3 · Competent</span>"
    ) in chip
    assert f'aria-label="Phase and role of {assignment.learner.name} on {item.skill.name}"' in chip
    # the target column is neutral; the legend says what the colours and edges mean
    assert re.search(r'class="level level-neutral"[^>]*>3 · Competent<', html)
    assert "a dashed box the self-assessed level" in html
    # on a phone the table becomes cards; the readiness chart a list
    assert '<table class="stack plan-table">' in html
    assert 'data-label="Learners"' in html
    assert 'class="chart-list"' in html


def test_at_risk_items_are_flagged(login_as, cto, make_engagement, make_plan_item):
    engagement = make_engagement(end=today() + timedelta(days=10))
    make_plan_item(engagement=engagement)
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}"))
    assert '<span class="badge at-risk">At risk</span>' in html
    assert "1 at risk" in html


def test_empty_plan_says_what_to_do(login_as, cto, make_engagement, make_user):
    engagement = make_engagement()
    assert "Add the skills that must stay" in text_of(
        login_as(cto).get(f"/engagements/{engagement.id}")
    )
    it_lead_page = text_of(login_as(make_user(Role.IT_LEAD)).get(f"/engagements/{engagement.id}"))
    assert "A CTO adds the skills" in it_lead_page


@pytest.fixture
def staffed(make_engagement, make_plan_item, make_assignment, make_user):
    engagement = make_engagement(status=EngagementStatus.ACTIVE)
    item = make_plan_item(engagement=engagement)
    learner = make_user(Role.STAFF, name="Lena Learner")
    assignment = make_assignment(plan_item=item, learner=learner)
    return engagement, item, assignment


def test_actions_for_a_cto(login_as, cto, staffed):
    engagement, item, assignment = staffed
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}"))
    assert f"/engagements/{engagement.id}/plan/new" in html
    assert f"/plan-items/{item.id}/edit" in html
    assert f"/plan-items/{item.id}/delete" in html
    assert f"/plan-items/{item.id}/assign" in html
    assert f'href="/assignments/{assignment.id}#manage-heading"' in html
    assert "Start handover" in html
    assert f"/plan-items/{item.id}/notes" not in html
    assert f"/assignments/{assignment.id}/confirm" not in html
    # a learner's phase, role and unassigning live on the assignment page
    assert f"/assignments/{assignment.id}/phase" not in html
    assignment_page = text_of(login_as(cto).get(f"/assignments/{assignment.id}"))
    for path in ("phase", "role", "unassign"):
        assert f'action="/assignments/{assignment.id}/{path}"' in assignment_page


@pytest.mark.parametrize("who", ["expert", "it_lead"])
def test_actions_for_the_expert_and_an_it_lead(login_as, make_user, staffed, who):
    engagement, item, assignment = staffed
    user = engagement.expert if who == "expert" else make_user(Role.IT_LEAD)
    html = text_of(login_as(user).get(f"/engagements/{engagement.id}"))
    assert f"/plan-items/{item.id}/notes" in html
    assert f"/assignments/{assignment.id}/confirm" in html
    assert f"/plan-items/{item.id}/edit" not in html
    assert "#manage-heading" not in html
    assert "Start handover" not in html
    assignment_page = text_of(login_as(user).get(f"/assignments/{assignment.id}"))
    assert f"/assignments/{assignment.id}/confirm" in assignment_page
    assert f"/assignments/{assignment.id}/phase" not in assignment_page


def test_a_learner_sees_no_actions(login_as, staffed):
    engagement, item, assignment = staffed
    html = text_of(login_as(assignment.learner).get(f"/engagements/{engagement.id}"))
    assert f'href="/assignments/{assignment.id}">Lena Learner</a>' in html
    for path in (
        f"/plan-items/{item.id}/notes",
        f"/plan-items/{item.id}/edit",
        f"/plan-items/{item.id}/assign",
        f"/assignments/{assignment.id}/confirm",
        f"/assignments/{assignment.id}/phase",
        f"/assignments/{assignment.id}/unassign",
        f"/engagements/{engagement.id}/advance",
        "#manage-heading",
    ):
        assert path not in html
    assignment_page = text_of(login_as(assignment.learner).get(f"/assignments/{assignment.id}"))
    assert "Phase and role" not in assignment_page
    assert f"/assignments/{assignment.id}/unassign" not in assignment_page


def add_history(db, engagement, actor, count: int, *, start: int = 0) -> None:
    """``count`` audit events about ``engagement``, numbered from ``start`` (oldest first)."""
    for n in range(start, start + count):
        db.session.add(
            AuditEvent(
                actor=actor,
                action="test.event",
                object_type="engagements",
                object_id=engagement.id,
                engagement_id=engagement.id,
                summary=f"Event number {n:02d}",
            )
        )
    db.session.commit()


def test_the_page_shows_the_ten_latest_events_and_links_the_rest(
    login_as, cto, make_engagement, db
):
    engagement = make_engagement()
    other = make_engagement()
    add_history(db, engagement, cto, 55)
    db.session.add(
        AuditEvent(
            actor=None,
            action="test.event",
            object_type="engagements",
            object_id=other.id,
            engagement_id=other.id,
            summary="Somewhere else",
        )
    )
    db.session.commit()
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}"))
    assert "Somewhere else" not in html
    shown = re.findall(r"Event number (\d\d)", html)
    assert shown == [f"{n:02d}" for n in range(54, 44, -1)]  # the ten latest, newest first
    assert "<strong>Clara CTO</strong>: Event number 54" in html
    assert "The latest 10 changes are shown." in html
    assert f'<a href="/engagements/{engagement.id}/history">Full history</a>' in html


def test_a_short_history_is_shown_whole_without_a_link(login_as, cto, make_engagement, db):
    engagement = make_engagement()
    add_history(db, engagement, cto, 10)
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}"))
    assert len(re.findall(r"Event number \d\d", html)) == 10
    assert f"/engagements/{engagement.id}/history" not in html
    assert "The latest" not in html


def test_the_history_page_pages_through_every_event(
    app, login_as, cto, make_engagement, db, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 20)
    engagement = make_engagement(title="Long story")
    add_history(db, engagement, cto, 45)
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/history"

    first = text_of(browser.get(url))
    assert "<h1>History</h1>" in first
    assert "45 changes recorded, the newest first." in first
    assert re.findall(r"Event number (\d\d)", first) == [f"{n:02d}" for n in range(44, 24, -1)]
    assert "Page 1 of 3" in first
    assert f'href="{url}?page=2"' in first
    assert f'href="/engagements/{engagement.id}">Long story</a>' in first
    # a valid HTML time: whole seconds, never microseconds
    stamps = re.findall(r'<time datetime="([^"]+)">', first)
    assert len(stamps) == 20
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", stamp) for stamp in stamps)

    last = text_of(browser.get(f"{url}?page=3"))
    assert re.findall(r"Event number (\d\d)", last) == [f"{n:02d}" for n in range(4, -1, -1)]
    assert "Page 3 of 3" in last
    assert f'href="{url}?page=2"' in last

    # a page beyond the last (a stale link) goes to the last one
    response = browser.get(f"{url}?page=9")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{url}?page=3")


def test_an_empty_history_says_so(login_as, cto, make_engagement):
    engagement = make_engagement()
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}/history"))
    assert "No changes recorded yet." in html
    assert "Page 1" not in html


def test_the_history_page_is_for_whoever_sees_the_engagement(
    login_as, three_engagements, make_user
):
    first, second, third = three_engagements["engagements"]
    sam, erik, olga = three_engagements["sam"], three_engagements["erik"], three_engagements["olga"]
    assert login_as(sam).get(f"/engagements/{first.id}/history").status_code == 200
    assert login_as(sam).get(f"/engagements/{second.id}/history").status_code == 404
    assert login_as(erik).get(f"/engagements/{second.id}/history").status_code == 200
    assert login_as(olga).get(f"/engagements/{first.id}/history").status_code == 404
    assert (
        login_as(make_user(Role.IT_LEAD)).get(f"/engagements/{third.id}/history").status_code == 200
    )
    assert login_as(sam).get("/engagements/999999/history").status_code == 404


def test_the_history_page_query_count_does_not_grow_with_events(
    login_as, cto, make_engagement, count_queries, db
):
    browser = login_as(cto)
    engagement_ids = []
    for events_count in (15, 60):
        engagement = make_engagement()
        add_history(db, engagement, cto, events_count)
        engagement_ids.append(engagement.id)
    counts = []
    for engagement_id in engagement_ids:
        for url in (f"/engagements/{engagement_id}/history", f"/engagements/{engagement_id}"):
            db.session.expunge_all()
            with count_queries() as queries:
                assert browser.get(url).status_code == 200
            counts.append((url.endswith("history"), len(queries)))
    history_counts = [n for is_history, n in counts if is_history]
    page_counts = [n for is_history, n in counts if not is_history]
    assert history_counts[0] == history_counts[1]
    assert page_counts[0] == page_counts[1]
    assert history_counts[0] <= 6, counts


def test_page_query_count_is_bounded(
    login_as,
    cto,
    make_engagement,
    make_plan_item,
    make_assignment,
    make_entry,
    make_confirmation,
    count_queries,
    db,
):
    def engagement_with(items: int) -> int:
        engagement = make_engagement()
        for _ in range(items):
            assignment = make_assignment(plan_item=make_plan_item(engagement=engagement))
            make_entry(assignment=assignment)
            make_confirmation(assignment, 3, engagement.expert)
        db.session.add(
            AuditEvent(
                actor=cto,
                action="test.event",
                object_type="engagements",
                object_id=engagement.id,
                engagement_id=engagement.id,
            )
        )
        db.session.commit()
        return engagement.id

    small, large = engagement_with(2), engagement_with(6)
    browsers = {
        "cto": login_as(cto),
        "expert": login_as(db.session.get(Engagement, large).expert),
    }
    counts = {}
    for who, engagement_id in (("cto", small), ("cto", large), ("expert", large)):
        db.session.expunge_all()
        with count_queries() as queries:
            assert browsers[who].get(f"/engagements/{engagement_id}").status_code == 200
        counts[who, engagement_id] = len(queries)
    assert counts["cto", small] == counts["cto", large]
    assert counts["expert", large] == counts["cto", large]
    assert counts["cto", large] <= 15


# --- advancing the status ----------------------------------------------------------------


def test_cto_advances_planned_active_handover(login_as, cto, make_engagement):
    engagement = make_engagement(status=EngagementStatus.PLANNED, title="Stepwise")
    browser = login_as(cto)
    page = f"/engagements/{engagement.id}"
    url = f"/engagements/{engagement.id}/advance"

    html = browser.get(page).get_data(as_text=True)
    assert "Mark as active" in html
    response = browser.post(url, {"current": "planned"}, form_url=page)
    assert response.status_code == 302
    assert only(Engagement).status is EngagementStatus.ACTIVE
    assert "“Stepwise” is now Active." in text_of(browser.get(page))

    response = browser.post(url, {"current": "active"}, form_url=page)
    assert only(Engagement).status is EngagementStatus.HANDOVER
    html = text_of(browser.get(page))
    assert "“Stepwise” is now Handover." in html
    assert "Start handover" not in html
    assert "Mark as active" not in html

    summaries = [event.summary for event in events("engagement.status")]
    assert summaries == [
        "Status of Stepwise: Planned → Active",
        "Status of Stepwise: Active → Handover",
    ]
    assert all(event.engagement_id == engagement.id for event in events("engagement.status"))

    # handover does not advance here: closing is its own act
    browser.post(url, {"current": "handover"}, form_url=page)
    assert only(Engagement).status is EngagementStatus.HANDOVER
    assert len(events("engagement.status")) == 2


def test_advancing_twice_from_a_stale_page_changes_nothing(login_as, cto, make_engagement):
    engagement = make_engagement(status=EngagementStatus.PLANNED)
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/advance"
    browser.post(url, {"current": "planned"}, form_url="/")
    browser.post(url, {"current": "planned"}, form_url="/")
    assert only(Engagement).status is EngagementStatus.ACTIVE
    assert "is already Active" in text_of(browser.get(f"/engagements/{engagement.id}"))
    assert len(events("engagement.status")) == 1


@pytest.mark.parametrize("data", [{}, {"current": "bogus"}, {"current": "x" * 5000}])
def test_advance_with_bad_form_changes_nothing(login_as, cto, make_engagement, data):
    engagement = make_engagement(status=EngagementStatus.PLANNED)
    response = login_as(cto).post(f"/engagements/{engagement.id}/advance", data, form_url="/")
    assert response.status_code == 302
    assert only(Engagement).status is EngagementStatus.PLANNED


def test_advance_needs_csrf(login_as, cto, make_engagement):
    engagement = make_engagement(status=EngagementStatus.PLANNED)
    response = login_as(cto).client.post(
        f"/engagements/{engagement.id}/advance", data={"current": "planned"}
    )
    assert response.status_code == 400
    assert only(Engagement).status is EngagementStatus.PLANNED


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.IT_LEAD, 403), (Role.ADMIN, 403), (Role.STAFF, 404), (Role.EXPERT, 404)],
)
def test_only_a_cto_advances(login_as, make_user, make_engagement, role, status):
    engagement = make_engagement(status=EngagementStatus.PLANNED)
    response = login_as(make_user(role)).post(
        f"/engagements/{engagement.id}/advance", {"current": "planned"}, form_url="/"
    )
    assert response.status_code == status
    assert only(Engagement).status is EngagementStatus.PLANNED


def test_a_closed_engagement_does_not_advance(login_as, cto, make_engagement):
    engagement = make_engagement(status=EngagementStatus.CLOSED)
    response = login_as(cto).post(
        f"/engagements/{engagement.id}/advance", {"current": "closed"}, form_url="/"
    )
    assert response.status_code == 403
    assert only(Engagement).status is EngagementStatus.CLOSED


def test_advance_is_post_only(login_as, cto, make_engagement):
    engagement = make_engagement(status=EngagementStatus.PLANNED)
    assert login_as(cto).get(f"/engagements/{engagement.id}/advance").status_code == 405


def test_dates_cannot_leave_plan_items_outside_the_engagement(
    login_as, make_user, make_engagement, make_plan_item
):
    cto = make_user(Role.CTO)
    engagement = make_engagement(
        start=today() - timedelta(days=10), end=today() + timedelta(days=50)
    )
    make_plan_item(engagement=engagement, due=today() + timedelta(days=40))
    make_plan_item(engagement=engagement, due=today() - timedelta(days=5))
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/edit"
    form = {
        "title": engagement.title,
        "expert_id": str(engagement.expert_id),
        "client": engagement.client,
        "start_date": (today() - timedelta(days=10)).isoformat(),
        "planned_end_date": (today() + timedelta(days=30)).isoformat(),
    }
    response = browser.post(url, form)
    assert response.status_code == 200
    assert "the planned end cannot be earlier" in response.get_data(as_text=True)
    response = browser.post(
        url,
        form
        | {
            "start_date": today().isoformat(),
            "planned_end_date": (today() + timedelta(days=60)).isoformat(),
        },
    )
    assert "the start cannot be later" in response.get_data(as_text=True)
    _db.session.expire_all()
    assert engagement.planned_end_date == today() + timedelta(days=50)


def test_a_learner_who_left_is_marked_as_not_counting(login_as, cto, staffed, db):
    engagement, _item, assignment = staffed
    assignment.learner.active = False
    db.session.commit()
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}"))
    assert "Inactive · does not count" in html


@pytest.mark.parametrize(
    ("field", "value"), [("start_date", "0001-01-01"), ("planned_end_date", "9999-12-31")]
)
def test_dates_of_another_era_are_refused(login_as, cto, make_user, field, value):
    expert = make_user(Role.EXPERT)
    response = login_as(cto).post("/engagements/new", engagement_data(expert, **{field: value}))
    assert response.status_code == 200
    assert "Enter a date between the years 2000 and 2100." in text_of(response)
    assert row_count(Engagement) == 0


# --- the expert is never a learner of the same engagement -----------------------------------


@pytest.fixture
def learner_on_plan(make_user, make_engagement, make_plan_item, make_skill, make_assignment):
    """An engagement and an internal staff member with the expert role, assigned as a learner."""
    insider = make_user(Role.EXPERT, Role.STAFF, kind=UserKind.INTERNAL, name="Inge Insider")
    engagement = make_engagement(title="Original")
    for name in ("Terraform", "Kubernetes"):
        item = make_plan_item(engagement=engagement, skill=make_skill(name))
        make_assignment(plan_item=item, learner=insider)
    return engagement, insider


def test_a_learner_on_the_plan_cannot_become_its_expert(login_as, cto, learner_on_plan):
    engagement, insider = learner_on_plan
    expert_id = engagement.expert_id
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/edit"
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    data = engagement_data(insider, title="Renamed as well", version=version)
    response = browser.post(url, data)
    assert response.status_code == 200
    html = text_of(response)
    assert 'id="expert_id-error"' in html
    assert (
        "Inge Insider is a learner on this engagement (Kubernetes, Terraform) and cannot also be "
        "its expert." in html
    )
    assert 'value="Renamed as well"' in html  # what was typed, kept
    _db.session.expire_all()
    saved = only(Engagement)
    assert (saved.expert_id, saved.title, saved.version) == (expert_id, "Original", 1)
    assert row_count(AuditEvent) == 0


def test_update_engagement_operation_refuses_a_learner_as_expert(db, cto, learner_on_plan):
    from knowtrans.engagements import operations

    engagement, insider = learner_on_plan
    with pytest.raises(
        operations.Refused, match="Inge Insider is a learner on this engagement"
    ) as refused:
        operations.update_engagement(
            engagement,
            title=engagement.title,
            expert=insider,
            client=engagement.client,
            project=engagement.project,
            start_date=engagement.start_date,
            planned_end_date=engagement.planned_end_date,
            objectives=engagement.objectives,
            version=engagement.version,
            actor=cto,
        )
    assert refused.value.field == "expert_id"
    db.session.commit()
    db.session.expire_all()
    assert only(Engagement).expert_id != insider.id
    assert row_count(AuditEvent) == 0


def test_a_learner_of_another_engagement_may_become_this_ones_expert(
    login_as, cto, learner_on_plan, make_engagement
):
    _, insider = learner_on_plan
    other = make_engagement(title="Other")
    browser = login_as(cto)
    url = f"/engagements/{other.id}/edit"
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    response = browser.post(url, engagement_data(insider, title="Other", version=version))
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Engagement, other.id).expert_id == insider.id


# --- the operations enforce the rules, whoever calls them ------------------------------------


def new_engagement_values(expert, **overrides) -> dict:
    start = today()
    values = {
        "title": "Cluster migration",
        "expert": expert,
        "client": "ACME Logistics",
        "project": "",
        "start_date": start,
        "planned_end_date": start + timedelta(days=90),
        "objectives": "",
    }
    return values | overrides


def edited_values(engagement, **overrides) -> dict:
    values = {
        "title": engagement.title,
        "expert": engagement.expert,
        "client": engagement.client,
        "project": engagement.project,
        "start_date": engagement.start_date,
        "planned_end_date": engagement.planned_end_date,
        "objectives": engagement.objectives,
        "version": engagement.version,
    }
    return values | overrides


def refusal(operation, *args, **kwargs):
    """The Refused the operation raises; the session is rolled back as the pipeline does."""
    from knowtrans.core.errors import Refused

    with pytest.raises(Refused) as refused:
        operation(*args, **kwargs)
    _db.session.rollback()
    return refused.value


def test_create_engagement_refuses_an_end_before_the_start(db, cto, expert):
    from knowtrans.engagements import operations

    start = today()
    refused = refusal(
        operations.create_engagement,
        **new_engagement_values(expert, start_date=start, planned_end_date=start - timedelta(1)),
        actor=cto,
    )
    assert str(refused) == "The planned end must be on or after the start date."
    assert refused.field == "planned_end_date"
    assert row_count(Engagement) == 0
    assert row_count(AuditEvent) == 0


@pytest.mark.parametrize("kind", ["staff", "inactive expert"])
def test_create_engagement_refuses_an_expert_who_is_not_an_active_expert(db, cto, make_user, kind):
    from knowtrans.engagements import operations

    other = make_user(Role.STAFF) if kind == "staff" else make_user(Role.EXPERT, active=False)
    refused = refusal(operations.create_engagement, **new_engagement_values(other), actor=cto)
    assert str(refused) == "Choose an active user with the expert role."
    assert refused.field == "expert_id"
    assert row_count(Engagement) == 0


def test_update_engagement_refuses_an_end_before_the_start(db, cto, make_engagement):
    from knowtrans.engagements import operations

    engagement = make_engagement(title="Original")
    refused = refusal(
        operations.update_engagement,
        engagement,
        **edited_values(
            engagement, title="Renamed", planned_end_date=engagement.start_date - timedelta(1)
        ),
        actor=cto,
    )
    assert str(refused) == "The planned end must be on or after the start date."
    assert refused.field == "planned_end_date"
    assert (only(Engagement).title, row_count(AuditEvent)) == ("Original", 0)


def test_update_engagement_refuses_a_planned_end_before_a_due_date(
    db, cto, make_engagement, make_plan_item
):
    from knowtrans.engagements import operations

    engagement = make_engagement(end=today() + timedelta(days=60))
    due = today() + timedelta(days=40)
    make_plan_item(engagement=engagement, due=due)
    make_plan_item(engagement=engagement, due=None)
    refused = refusal(
        operations.update_engagement,
        engagement,
        **edited_values(engagement, planned_end_date=due - timedelta(days=1)),
        actor=cto,
    )
    assert str(refused) == (
        f"A plan item is due on {format_date(due)}; the planned end cannot be earlier. "
        "Move that due date first."
    )
    assert refused.field == "planned_end_date"
    assert only(Engagement).planned_end_date == today() + timedelta(days=60)
    assert row_count(AuditEvent) == 0

    # on the due date itself is fine
    changed = operations.update_engagement(
        engagement, **edited_values(engagement, planned_end_date=due), actor=cto
    )
    assert changed == ["planned end date"]


def test_update_engagement_refuses_a_start_after_a_due_date(
    db, cto, make_engagement, make_plan_item
):
    from knowtrans.engagements import operations

    engagement = make_engagement(start=today() - timedelta(days=30))
    due = today() - timedelta(days=5)
    make_plan_item(engagement=engagement, due=due)
    refused = refusal(
        operations.update_engagement,
        engagement,
        **edited_values(engagement, start_date=due + timedelta(days=1)),
        actor=cto,
    )
    assert str(refused) == f"A plan item is due on {format_date(due)}; the start cannot be later."
    assert refused.field == "start_date"
    assert only(Engagement).start_date == today() - timedelta(days=30)

    changed = operations.update_engagement(
        engagement, **edited_values(engagement, start_date=due), actor=cto
    )
    assert changed == ["start date"]


def test_update_engagement_refuses_a_new_expert_without_the_role(
    db, cto, make_engagement, make_user
):
    from knowtrans.engagements import operations

    engagement = make_engagement()
    staff = make_user(Role.STAFF, name="Sam Staff")
    refused = refusal(
        operations.update_engagement,
        engagement,
        **edited_values(engagement, expert=staff),
        actor=cto,
    )
    assert (str(refused), refused.field) == (
        "Choose an active user with the expert role.",
        "expert_id",
    )
    assert only(Engagement).expert_id != staff.id


def test_update_engagement_keeps_an_expert_who_left(db, cto, make_engagement, make_user):
    """Whoever is the expert stays allowed: the engagement's other fields remain editable."""
    from knowtrans.engagements import operations

    leaver = make_user(Role.EXPERT, name="Old Expert")
    engagement = make_engagement(expert=leaver)
    leaver.active = False
    db.session.commit()
    changed = operations.update_engagement(
        engagement, **edited_values(engagement, client="Other"), actor=cto
    )
    assert changed == ["client"]


def test_advance_status_refuses_beyond_handover(db, cto, make_engagement):
    """Closing has its own flow; the handover is the last step advancing reaches."""
    from knowtrans.engagements import operations

    engagement = make_engagement(status=EngagementStatus.HANDOVER, title="Last step")
    refused = refusal(operations.advance_status, engagement, actor=cto)
    assert str(refused) == "“Last step” is in Handover; nothing changed."
    assert only(Engagement).status is EngagementStatus.HANDOVER
    assert row_count(AuditEvent) == 0
