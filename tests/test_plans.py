"""The transfer plan: plan items, handover notes, learners and their phases."""

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from knowtrans.audit.models import AuditEvent
from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.core.clock import today
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db as _db
from knowtrans.learning.models import LearningEntry
from knowtrans.plans import forms as plan_forms
from knowtrans.plans import operations as plan_operations
from knowtrans.plans.models import Assignment, Criticality, LearnerRole, Phase, PlanItem
from knowtrans.users.models import Role, UserKind
from tests.conftest import commit_elsewhere, csrf_token_from, row_count


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no hidden field {name!r} on the page"
    return match.group(1)


def select_html(html: str, name: str) -> str:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {name!r} on the page"
    return match[1]


def option_labels(html: str, name: str) -> list[str]:
    return [
        unescape(label)
        for label in re.findall(r"<option[^>]*>([^<]*)</option>", select_html(html, name))
    ]


def events(action: str) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(_db.session.scalars(query))


def all_of(model) -> list:
    return list(_db.session.scalars(sa.select(model).order_by(model.id)))


@pytest.fixture
def cto(make_user):
    return make_user(Role.CTO, name="Clara CTO")


@pytest.fixture
def engagement(make_user, make_engagement):
    expert = make_user(Role.EXPERT, name="Erik Expert")
    return make_engagement(
        expert=expert,
        title="Cluster migration",
        status=EngagementStatus.ACTIVE,
        start=today() - timedelta(days=10),
        end=today() + timedelta(days=80),
    )


@pytest.fixture
def kubernetes(make_skill):
    return make_skill("Kubernetes operations", category="Platform")


@pytest.fixture
def item(engagement, kubernetes, make_plan_item):
    return make_plan_item(engagement=engagement, skill=kubernetes, target_level=3)


@pytest.fixture
def maria(make_user):
    return make_user(Role.STAFF, name="Maria Lopez")


def rows_of(row: int, **fields: str | None) -> dict[str, str]:
    """Fields of row ``row`` of a form of several rows; a field given None is left out."""
    return {f"rows-{row}-{name}": value for name, value in fields.items() if value is not None}


def item_data(skill, *, row: int = 0, **overrides: str | None) -> dict[str, str]:
    """Row ``row`` of the add form: ``skill`` ticked, with a target, criticality and due date."""
    data: dict[str, str | None] = {
        "skill_id": str(skill.id),
        "chosen": "y",
        "target_level": "3",
        "criticality": "high",
        "due_date": (today() + timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return rows_of(row, **data)


def learner_data(learner, *, row: int = 0, **overrides: str | None) -> dict[str, str]:
    """Row ``row`` of the assign form: ``learner`` ticked, as the primary learner."""
    data: dict[str, str | None] = {
        "learner_id": str(learner.id) if hasattr(learner, "id") else str(learner),
        "chosen": "y",
        "learner_role": "primary",
    }
    data.update(overrides)
    return rows_of(row, **data)


def error_of(html: str, row: int, field: str) -> str | None:
    """The message at a row's field (the record's messages stand at its id field)."""
    match = re.search(rf'<p class="error" id="rows-{row}-{field}-error">([^<]*)</p>', html)
    return unescape(match[1]) if match else None


def row_names(html: str) -> list[str]:
    """The names of the rows a form of several offers, in order."""
    return [unescape(name) for name in re.findall(r'<span class="pick-name">([^<]*)</span>', html)]


def row_ids(html: str, id_field: str) -> list[str]:
    """The record ids of the rows, in order."""
    return re.findall(rf'name="rows-\d+-{id_field}" type="hidden" value="([^"]*)"', html)


def ticked(html: str) -> list[str]:
    """The ids of the rows whose tick box is ticked."""
    boxes = re.findall(r'<input ([^>]*)id="rows-(\d+)-chosen"', html)
    return [row for attributes, row in boxes if "checked" in attributes.split()]


# --- the whole journey -------------------------------------------------------------------


def test_cto_plans_staffs_and_runs_an_engagement(login_as, cto, make_user, make_skill):
    expert = make_user(Role.EXPERT, name="Erik Expert")
    maria = make_user(Role.STAFF, name="Maria Lopez")
    tom = make_user(Role.STAFF, name="Tom Backup")
    skills = [
        make_skill("Kubernetes operations", category="Platform"),
        make_skill("Terraform modules", category="Platform"),
        make_skill("On-call runbooks", category="Operations"),
    ]
    browser = login_as(cto)

    start = today()
    response = browser.post(
        "/engagements/new",
        {
            "title": "Cluster migration",
            "expert_id": str(expert.id),
            "client": "ACME Logistics",
            "project": "Platform 2.0",
            "start_date": start.isoformat(),
            "planned_end_date": (start + timedelta(days=90)).isoformat(),
            "objectives": "Keep the cluster knowledge in the house.",
        },
    )
    assert response.status_code == 302
    engagement_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = f"/engagements/{engagement_id}"

    # three skills in one submit
    plan = zip(skills, ("4", "3", "2"), ("critical", "high", "low"), strict=True)
    data: dict[str, str] = {}
    for row, (skill, level, criticality) in enumerate(plan):
        data |= item_data(skill, row=row, target_level=level, criticality=criticality, due_date="")
    response = browser.post(f"/engagements/{engagement_id}/plan/new", data)
    assert response.status_code == 302, text_of(response)
    assert response.headers["Location"] == f"{page}#plan-heading"
    items = all_of(PlanItem)
    assert [(i.skill.name, i.target_level, i.criticality) for i in items] == [
        ("Kubernetes operations", 4, Criticality.CRITICAL),
        ("Terraform modules", 3, Criticality.HIGH),
        ("On-call runbooks", 2, Criticality.LOW),
    ]
    assert (
        "Added 3 skills to the plan: Kubernetes operations, Terraform modules, On-call runbooks."
        in text_of(browser.get(page))
    )

    # two learners in one submit
    first = items[0]
    response = browser.post(
        f"/plan-items/{first.id}/assign",
        {**learner_data(maria), **learner_data(tom, row=1, learner_role="backup")},
    )
    assert response.status_code == 302, text_of(response)
    assert response.headers["Location"] == f"{page}#item-{first.id}"
    assignments = all_of(Assignment)
    assert [(a.learner.name, a.learner_role, a.phase) for a in assignments] == [
        ("Maria Lopez", LearnerRole.PRIMARY, Phase.PLANNED),
        ("Tom Backup", LearnerRole.BACKUP, Phase.PLANNED),
    ]
    html = text_of(browser.get(page))
    assert (
        "Assigned 2 learners to Kubernetes operations: Maria Lopez (primary), Tom Backup (backup)."
        in html
    )
    assert "Maria Lopez" in html

    primary = assignments[0]
    for phase in ("shadowing", "reverse_shadowing"):
        response = browser.post(f"/assignments/{primary.id}/phase", {"phase": phase}, form_url=page)
        assert response.status_code == 302
    assert _db.session.get(Assignment, primary.id).phase is Phase.REVERSE_SHADOWING
    assert _db.session.get(Assignment, assignments[1].id).phase is Phase.PLANNED
    assert "Moved Maria Lopez to Reverse shadowing on Kubernetes operations." in text_of(
        browser.get(page)
    )

    for current in ("planned", "active"):
        response = browser.post(
            f"/engagements/{engagement_id}/advance", {"current": current}, form_url=page
        )
        assert response.status_code == 302
    assert _db.session.get(Engagement, engagement_id).status is EngagementStatus.HANDOVER

    history = text_of(browser.get(page))
    assert "Assigned Maria Lopez (primary) to Kubernetes operations" in history
    assert "Assigned Tom Backup (backup) to Kubernetes operations" in history
    assert "Moved Maria Lopez on Kubernetes operations: Shadowing → Reverse shadowing" in history
    actions = [event.action for event in all_of(AuditEvent)]
    assert actions == [
        "engagement.create",
        "plan_item.create",
        "plan_item.create",
        "plan_item.create",
        "assignment.create",
        "assignment.create",
        "assignment.phase",
        "assignment.phase",
        "engagement.status",
        "engagement.status",
    ]
    assert {event.engagement_id for event in all_of(AuditEvent)} == {engagement_id}


# --- adding plan items -------------------------------------------------------------------


def test_add_plan_item(login_as, cto, engagement, kubernetes):
    due = today() + timedelta(days=30)
    response = login_as(cto).post(
        f"/engagements/{engagement.id}/plan/new", item_data(kubernetes, due_date=due.isoformat())
    )
    assert response.status_code == 302
    (item,) = all_of(PlanItem)
    assert response.headers["Location"] == f"/engagements/{engagement.id}#item-{item.id}"
    assert (item.skill_id, item.target_level, item.criticality, item.due_date) == (
        kubernetes.id,
        3,
        Criticality.HIGH,
        due,
    )
    assert item.handover_notes == ""
    (event,) = events("plan_item.create")
    assert event.engagement_id == engagement.id
    assert "Kubernetes operations" in event.summary
    assert "3 · Competent" in event.summary


def test_several_skills_at_once_only_the_ticked_ones(
    login_as, cto, engagement, kubernetes, make_skill
):
    terraform = make_skill("Terraform modules", category="Platform")
    zabbix = make_skill("Zabbix alerts", category="Operations")
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/plan/new"
    html = text_of(browser.get(url))
    assert row_names(html) == ["Zabbix alerts", "Kubernetes operations", "Terraform modules"]
    assert ticked(html) == []
    response = browser.post(
        url,
        {
            **item_data(zabbix, row=0, target_level="2", criticality="low", due_date=""),
            # not ticked: the row's defaults are sent and ignored
            **item_data(kubernetes, row=1, chosen=None, target_level="", due_date=""),
            **item_data(terraform, row=2, target_level="4", criticality="critical"),
        },
    )
    assert response.status_code == 302, text_of(response)
    assert [(i.skill.name, i.target_level, i.criticality) for i in all_of(PlanItem)] == [
        ("Zabbix alerts", 2, Criticality.LOW),
        ("Terraform modules", 4, Criticality.CRITICAL),
    ]
    assert len(events("plan_item.create")) == 2


def test_skill_rows_skip_archived_and_planned_skills_by_category(
    login_as, cto, engagement, item, make_skill
):
    make_skill("Zabbix alerts", category="Operations")
    make_skill("Ansible roles", category="Platform")
    make_skill("Old mainframe", category="Legacy", archived=True)
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}/plan/new"))
    assert row_names(html) == ["Zabbix alerts", "Ansible roles"]
    assert '<span class="pick-detail">Operations</span>' in html
    assert option_labels(html, "rows-0-target_level") == [
        "Choose a level…",
        "1 · Novice",
        "2 · Advanced beginner",
        "3 · Competent",
        "4 · Proficient",
        "5 · Expert",
    ]
    assert option_labels(html, "rows-1-criticality") == ["Low", "Medium", "High", "Critical"]
    assert selected_value(html, "rows-1-criticality") == "medium"


def test_every_input_of_a_row_is_named_for_its_skill(login_as, cto, engagement, make_skill):
    make_skill("Kafka <operations>", category="Streaming")
    html = login_as(cto).get(f"/engagements/{engagement.id}/plan/new").get_data(as_text=True)
    labels = dict(re.findall(r'<label class="sr-only" for="([^"]+)">([^<]*)</label>', html))
    assert labels == {
        "rows-0-target_level": "Target level for Kafka &lt;operations&gt;",
        "rows-0-criticality": "Criticality of Kafka &lt;operations&gt;",
        "rows-0-due_date": "Due date for Kafka &lt;operations&gt;",
    }
    tick = '<label class="pick-label"><input id="rows-0-chosen" name="rows-0-chosen" '
    assert tick + 'type="checkbox" value="y"> <span><span class="pick-name">Kafka &lt;' in html
    assert 'data-label="Target level"' in html
    assert '<table class="stack choice-rows">' in html
    assert " required" not in html  # a row is required only when ticked


def test_no_skill_left_says_what_to_do(login_as, cto, engagement, item):
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}/plan/new"))
    assert "No skill left to add" in html
    assert "Add a skill to the catalogue" in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"target_level": "0"}, "target_level", "Choose a target level from 1 to 5."),
        ({"target_level": "6"}, "target_level", "Choose a target level from 1 to 5."),
        ({"target_level": "abc"}, "target_level", "Choose a target level from 1 to 5."),
        ({"target_level": "3.5"}, "target_level", "Choose a target level from 1 to 5."),
        ({"target_level": ""}, "target_level", "Choose a target level."),
        ({"target_level": None}, "target_level", "Choose a target level."),
        ({"criticality": "urgent"}, "criticality", "Choose low, medium, high or critical."),
        ({"criticality": ""}, "criticality", "Choose a criticality."),
        ({"due_date": "2026-02-30"}, "due_date", "Not a valid date value."),
        ({"due_date": "yesterday\x00"}, "due_date", "Not a valid date value."),
    ],
)
def test_add_plan_item_rejects_bad_input(
    login_as, cto, engagement, kubernetes, make_skill, overrides, field, message
):
    terraform = make_skill("Terraform modules")
    response = login_as(cto).post(
        f"/engagements/{engagement.id}/plan/new",
        # the good row is not saved either: all or nothing
        {**item_data(terraform), **item_data(kubernetes, row=1, **overrides)},
    )
    assert response.status_code == 200
    html = text_of(response)
    assert error_of(html, 1, field) == message
    assert error_of(html, 0, "target_level") is None
    assert "Please correct the fields marked below; nothing was saved yet." in html
    assert ticked(html) == ["0", "1"]  # the form comes back as it was sent
    assert row_count(PlanItem) == 0
    assert row_count(AuditEvent) == 0


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"rows-0-skill_id": "1"},
        {"rows-0-skill_id": "1", "rows-0-target_level": "", "rows-0-criticality": "medium"},
    ],
    ids=["no rows", "rows, none ticked", "an untouched row"],
)
def test_no_skill_ticked_is_a_clear_message(login_as, cto, engagement, kubernetes, data):
    data = {key: str(kubernetes.id) if key.endswith("skill_id") else v for key, v in data.items()}
    response = login_as(cto).post(f"/engagements/{engagement.id}/plan/new", data)
    assert response.status_code == 200
    html = text_of(response)
    assert (
        '<div class="flash flash-error" role="alert"><p>Tick at least one skill to add, and '
        "choose its target level.</p></div>"
    ) in html
    assert row_names(html) == ["Kubernetes operations"]
    assert row_count(PlanItem) == 0


def test_a_target_level_on_a_row_not_ticked_is_not_lost(
    login_as, cto, engagement, kubernetes, make_skill
):
    terraform = make_skill("Terraform modules")
    response = login_as(cto).post(
        f"/engagements/{engagement.id}/plan/new",
        {**item_data(kubernetes), **item_data(terraform, row=1, chosen=None, target_level="4")},
    )
    assert response.status_code == 200
    html = text_of(response)
    assert error_of(html, 1, "skill_id") == (
        "Terraform modules is not ticked: tick it to add it too, or clear its target level and "
        "due date."
    )
    assert '<tr class="row-error">' in html
    assert row_count(PlanItem) == 0


@pytest.mark.parametrize(
    ("skill_id", "message"),
    [
        ("424242", "Choose a skill from the list."),
        ("abc", "Choose a skill from the list."),
        ("99999999999999999999999", "Choose a skill from the list."),
        ("-1", "Choose a skill from the list."),
        ("", "Choose a skill from the list."),
        (None, "Choose a skill from the list."),
    ],
)
def test_a_ticked_row_naming_no_skill_writes_nothing(
    login_as, cto, engagement, kubernetes, skill_id, message
):
    response = login_as(cto).post(
        f"/engagements/{engagement.id}/plan/new",
        {**item_data(kubernetes), **item_data(kubernetes, row=1, skill_id=skill_id)},
    )
    assert response.status_code == 200
    html = text_of(response)
    assert f'<div class="flash flash-error" role="alert"><p>{message}</p></div>' in html
    assert row_count(PlanItem) == 0
    assert row_count(AuditEvent) == 0


def test_a_skill_ticked_in_two_rows_is_refused(login_as, cto, engagement, kubernetes):
    response = login_as(cto).post(
        f"/engagements/{engagement.id}/plan/new",
        {**item_data(kubernetes), **item_data(kubernetes, row=1, target_level="5")},
    )
    assert response.status_code == 200
    html = text_of(response)
    assert error_of(html, 0, "skill_id") is None
    assert (
        error_of(html, 1, "skill_id") == "Kubernetes operations is ticked in another row already."
    )
    assert row_count(PlanItem) == 0


@pytest.mark.parametrize(
    "keys",
    [
        {"rows-00-chosen": "y"},  # not how a row is named: ignored
        {"rows-12345-chosen": "y"},
        {"rows-²-chosen": "y"},
        {"rows--1-chosen": "y"},
        {"rows-0-chosen\x00": "y"},
    ],
)
def test_rows_named_otherwise_are_ignored(login_as, cto, engagement, kubernetes, keys):
    data = {**item_data(kubernetes), **keys}
    response = login_as(cto).post(f"/engagements/{engagement.id}/plan/new", data)
    assert response.status_code == 302
    assert row_count(PlanItem) == 1


def test_more_rows_than_a_page_offers_write_nothing(login_as, cto, engagement):
    skills = add_skills(SHOWN + 1)
    data: dict[str, str] = {}
    for row, skill in enumerate(skills):
        data |= item_data(skill, row=row)
    response = login_as(cto).post(f"/engagements/{engagement.id}/plan/new", data)
    assert response.status_code == 200
    assert "The request could not be read; nothing was changed." in text_of(response)
    assert row_count(PlanItem) == 0


def test_due_date_within_the_engagement(login_as, cto, engagement, kubernetes):
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/plan/new"
    before = (engagement.start_date - timedelta(days=1)).isoformat()
    html = text_of(browser.post(url, item_data(kubernetes, due_date=before)))
    assert error_of(html, 0, "due_date").startswith(
        "The due date cannot be before the engagement starts"
    )
    assert f'value="{before}"' in html
    after = (engagement.planned_end_date + timedelta(days=1)).isoformat()
    html = text_of(browser.post(url, item_data(kubernetes, due_date=after)))
    assert "The due date must be on or before the planned end" in error_of(html, 0, "due_date")
    assert row_count(PlanItem) == 0
    on_start = engagement.start_date.isoformat()
    assert browser.post(url, item_data(kubernetes, due_date=on_start)).status_code == 302


def test_every_refused_row_says_why_at_once(login_as, cto, engagement, item, make_skill):
    archived = make_skill("Old mainframe", archived=True)
    terraform = make_skill("Terraform modules")
    after = (engagement.planned_end_date + timedelta(days=1)).isoformat()
    response = login_as(cto).post(
        f"/engagements/{engagement.id}/plan/new",
        {
            **item_data(archived, row=0),
            **item_data(item.skill, row=1),
            **item_data(terraform, row=2, due_date=after, criticality="urgent"),
        },
    )
    assert response.status_code == 200
    html = text_of(response)
    assert (
        error_of(html, 0, "skill_id") == "Choose a skill from the list. Old mainframe is archived."
    )
    assert error_of(html, 1, "skill_id") == "Kubernetes operations is already on this plan."
    assert "must be on or before the planned end" in error_of(html, 2, "due_date")
    assert error_of(html, 2, "criticality") == "Choose low, medium, high or critical."
    assert row_count(PlanItem) == 1
    assert row_count(AuditEvent) == 0


def test_duplicate_skill_race_is_caught(
    login_as, cto, engagement, item, kubernetes, make_skill, monkeypatch
):
    """Two CTOs add the same skill at once: the unique constraint answers at the row, not a
    500, and the rows saved before it are rolled back."""
    terraform = make_skill("Terraform modules")
    monkeypatch.setattr(plan_operations, "skill_on_plan", lambda engagement, skill: False)
    response = login_as(cto).post(
        f"/engagements/{engagement.id}/plan/new",
        {**item_data(terraform), **item_data(kubernetes, row=1)},
    )
    assert response.status_code == 200
    html = text_of(response)
    assert error_of(html, 1, "skill_id") == "Kubernetes operations is already on this plan."
    assert row_names(html) == ["Terraform modules", "Kubernetes operations"]
    assert ticked(html) == ["0", "1"]
    assert [i.skill.name for i in all_of(PlanItem)] == ["Kubernetes operations"]
    assert row_count(AuditEvent) == 0


def test_same_skill_on_another_engagement_is_fine(login_as, cto, item, kubernetes, make_engagement):
    other = make_engagement()
    response = login_as(cto).post(f"/engagements/{other.id}/plan/new", item_data(kubernetes))
    assert response.status_code == 302
    assert row_count(PlanItem) == 2


# --- editing and removing plan items -----------------------------------------------------


def test_edit_plan_item(login_as, cto, engagement, item):
    browser = login_as(cto)
    url = f"/plan-items/{item.id}/edit"
    form = browser.get(url).get_data(as_text=True)
    assert "skill_id" not in form
    due = engagement.planned_end_date.isoformat()
    data = {
        "target_level": "5",
        "criticality": "critical",
        "due_date": due,
        "version": hidden_value(form, "version"),
        "skill_id": "424242",
    }
    response = browser.post(url, data)
    assert response.status_code == 302
    item = _db.session.get(PlanItem, item.id)
    assert (item.target_level, item.criticality, item.due_date.isoformat()) == (
        5,
        Criticality.CRITICAL,
        due,
    )
    assert item.skill.name == "Kubernetes operations"
    (event,) = events("plan_item.update")
    assert event.engagement_id == engagement.id
    assert "target 3 · Competent → 5 · Expert" in event.summary
    assert "criticality High → Critical" in event.summary


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"target_level": "0"}, "Choose a target level from 1 to 5."),
        ({"target_level": "6"}, "Choose a target level from 1 to 5."),
        ({"target_level": "abc"}, "Choose a target level from 1 to 5."),
        ({"criticality": "CRITICAL"}, "Choose low, medium, high or critical."),
        ({"due_date": "2001-01-01"}, "The due date cannot be before the engagement starts"),
    ],
)
def test_edit_plan_item_rejects_bad_input(login_as, cto, item, overrides, message):
    browser = login_as(cto)
    url = f"/plan-items/{item.id}/edit"
    data = {
        "target_level": "4",
        "criticality": "low",
        "due_date": "",
        "version": hidden_value(browser.get(url).get_data(as_text=True), "version"),
    }
    data.update(overrides)
    response = browser.post(url, data)
    assert response.status_code == 200
    assert message in text_of(response)
    item = _db.session.get(PlanItem, item.id)
    assert (item.target_level, item.criticality) == (3, Criticality.HIGH)
    assert row_count(AuditEvent) == 0


def test_edit_plan_item_notices_a_concurrent_change(login_as, cto, item, db):
    browser = login_as(cto)
    url = f"/plan-items/{item.id}/edit"
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    item.target_level = 2
    db.session.commit()
    data = {"target_level": "5", "criticality": "low", "due_date": "", "version": version}
    response = browser.post(url, data)
    assert response.status_code == 200
    html = text_of(response)
    assert "Someone else saved this plan item while you were editing." in html
    assert hidden_value(html, "version") == "2"
    assert _db.session.get(PlanItem, item.id).target_level == 2
    assert row_count(AuditEvent) == 0


def test_two_clients_editing_a_plan_item(login_as, cto, make_user, item):
    url = f"/plan-items/{item.id}/edit"
    bruno = make_user(Role.CTO, name="Bruno Boss")
    first, second = login_as(cto), login_as(bruno)
    first_version = hidden_value(first.get(url).get_data(as_text=True), "version")
    second_version = hidden_value(second.get(url).get_data(as_text=True), "version")
    second_data = {
        "target_level": "4",
        "criticality": "critical",
        "due_date": "",
        "version": second_version,
    }
    assert second.post(url, second_data).status_code == 302

    first_data = {
        "target_level": "2",
        "criticality": "low",
        "due_date": today().isoformat(),
        "version": first_version,
    }
    response = first.post(url, first_data)

    assert response.status_code == 200
    html = text_of(response)
    assert "Bruno Boss saved this plan item on" in html
    assert (
        "What changed: Changed Kubernetes operations: target 3 · Competent → 4 · Proficient; "
        "criticality High → Critical." in html
    )
    assert '<option selected value="2">' in html  # what the first client chose, kept
    assert f'value="{today().isoformat()}"' in html
    assert "<dd>4 · Proficient</dd>" in html  # the saved version
    saved = _db.session.get(PlanItem, item.id)
    assert (saved.target_level, saved.criticality, saved.due_date) == (
        4,
        Criticality.CRITICAL,
        None,
    )
    assert len(events("plan_item.update")) == 1

    response = first.post(url, {**first_data, "version": hidden_value(html, "version")})
    assert response.status_code == 302
    _db.session.expire_all()
    saved = _db.session.get(PlanItem, item.id)
    assert (saved.target_level, saved.criticality, saved.due_date) == (2, Criticality.LOW, today())
    assert [event.actor_id for event in events("plan_item.update")] == [bruno.id, cto.id]


def test_saving_handover_notes_makes_an_open_plan_item_edit_stale(login_as, cto, engagement, item):
    """The notes and the item's fields share the item's version."""
    edit_url, notes_url = f"/plan-items/{item.id}/edit", f"/plan-items/{item.id}/notes"
    cto_browser, expert_browser = login_as(cto), login_as(engagement.expert)
    version = hidden_value(cto_browser.get(edit_url).get_data(as_text=True), "version")
    notes_version = hidden_value(expert_browser.get(notes_url).get_data(as_text=True), "version")
    response = expert_browser.post(
        notes_url, {"handover_notes": "Ask Jo.", "version": notes_version}
    )
    assert response.status_code == 302

    data = {"target_level": "5", "criticality": "low", "due_date": "", "version": version}
    response = cto_browser.post(edit_url, data)
    assert response.status_code == 200
    html = text_of(response)
    assert "Erik Expert saved this plan item on" in html
    assert "What changed: Updated the handover notes for Kubernetes operations." in html
    saved = _db.session.get(PlanItem, item.id)
    assert (saved.target_level, saved.handover_notes) == (3, "Ask Jo.")


def test_plan_item_save_racing_between_check_and_write_is_a_conflict(
    login_as, cto, item, monkeypatch
):
    browser = login_as(cto)
    url = f"/plan-items/{item.id}/edit"
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    check_version = plan_operations.check_version

    def check_then_lose_the_race(obj, submitted):
        check_version(obj, submitted)
        commit_elsewhere(PlanItem, obj.id, target_level=1)

    monkeypatch.setattr(plan_operations, "check_version", check_then_lose_the_race)
    data = {"target_level": "5", "criticality": "low", "due_date": "", "version": version}
    response = browser.post(url, data)
    assert response.status_code == 200
    html = text_of(response)
    assert "saved this plan item" in html
    assert hidden_value(html, "version") == "2"
    _db.session.expire_all()
    assert _db.session.get(PlanItem, item.id).target_level == 1
    assert row_count(AuditEvent) == 0


def test_remove_plan_item_without_recorded_learning(
    login_as, cto, engagement, item, maria, make_assignment
):
    make_assignment(plan_item=item, learner=maria)
    browser = login_as(cto)
    page = f"/engagements/{engagement.id}"
    response = browser.post(f"/plan-items/{item.id}/delete", form_url=page)
    assert response.status_code == 302
    for model in (PlanItem, Assignment):
        assert row_count(model) == 0, model
    (event,) = events("plan_item.delete")
    assert event.engagement_id == engagement.id
    assert "Maria Lopez" in event.summary
    assert "Removed Kubernetes operations from the plan." in text_of(browser.get(page))


def test_plan_item_with_recorded_learning_stays(
    login_as, cto, engagement, item, maria, make_assignment, make_entry, make_confirmation
):
    assignment = make_assignment(plan_item=item, learner=maria)
    make_entry(assignment=assignment)
    make_confirmation(assignment, 3, engagement.expert)
    browser = login_as(cto)
    page = f"/engagements/{engagement.id}"
    response = browser.post(f"/plan-items/{item.id}/delete", form_url=page)
    assert response.status_code == 302
    for model in (PlanItem, Assignment, LearningEntry, LevelConfirmation):
        assert row_count(model) == 1, model
    assert row_count(AuditEvent) == 0
    assert (
        "Kubernetes operations stays on the plan: what is recorded on it (1 learning entry and "
        "1 level confirmation) remains part of the handover record." in text_of(browser.get(page))
    )


def test_remove_needs_post_and_csrf(login_as, cto, item):
    browser = login_as(cto)
    assert browser.get(f"/plan-items/{item.id}/delete").status_code == 405
    assert browser.client.post(f"/plan-items/{item.id}/delete").status_code == 400
    assert row_count(PlanItem) == 1


# --- handover notes ----------------------------------------------------------------------


def test_expert_writes_handover_notes(login_as, engagement, item):
    browser = login_as(engagement.expert)
    url = f"/plan-items/{item.id}/notes"
    form = browser.get(url).get_data(as_text=True)
    assert "Nothing saved yet" in form
    notes = "Configs in `infra/k8s`.\n\n<script>alert(1)</script>\n\n* ask **Jo** in ops"
    response = browser.post(
        url, {"handover_notes": notes, "version": hidden_value(form, "version")}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == url
    assert _db.session.get(PlanItem, item.id).handover_notes == notes
    (event,) = events("plan_item.notes")
    assert event.engagement_id == engagement.id
    assert event.actor_id == engagement.expert_id
    preview = browser.get(url).get_data(as_text=True)
    assert "Handover notes for Kubernetes operations saved." in preview
    assert "<code>infra/k8s</code>" in preview
    assert "<strong>Jo</strong>" in preview
    assert "<script>" not in preview
    assert "&lt;script&gt;alert(1)" in preview  # what was typed, back in the textarea
    assert "<code>infra/k8s</code>" in text_of(browser.get(f"/engagements/{engagement.id}"))


def test_it_lead_writes_handover_notes(login_as, make_user, item):
    browser = login_as(make_user(Role.IT_LEAD))
    url = f"/plan-items/{item.id}/notes"
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    assert browser.post(url, {"handover_notes": "Ask Erik.", "version": version}).status_code == 302
    assert _db.session.get(PlanItem, item.id).handover_notes == "Ask Erik."


@pytest.mark.parametrize(
    ("notes", "message"),
    [
        ("n" * 20001, "Field cannot be longer than 20000 characters."),
        ("bad \x00 byte", "Contains characters that are not allowed."),
    ],
)
def test_handover_notes_reject_bad_input(login_as, engagement, item, notes, message):
    browser = login_as(engagement.expert)
    url = f"/plan-items/{item.id}/notes"
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    response = browser.post(url, {"handover_notes": notes, "version": version})
    assert response.status_code == 200
    assert message in text_of(response)
    assert _db.session.get(PlanItem, item.id).handover_notes == ""
    assert row_count(AuditEvent) == 0


def test_handover_notes_at_the_limit_are_kept(login_as, engagement, item):
    browser = login_as(engagement.expert)
    url = f"/plan-items/{item.id}/notes"
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    response = browser.post(url, {"handover_notes": "n" * 20000, "version": version})
    assert response.status_code == 302
    assert len(_db.session.get(PlanItem, item.id).handover_notes) == 20000


def test_handover_notes_do_not_overwrite_a_concurrent_save(login_as, make_user, engagement, item):
    expert_browser = login_as(engagement.expert)
    lead = make_user(Role.IT_LEAD, name="Lena Lead")
    lead_browser = login_as(lead)
    url = f"/plan-items/{item.id}/notes"
    expert_version = hidden_value(expert_browser.get(url).get_data(as_text=True), "version")
    lead_version = hidden_value(lead_browser.get(url).get_data(as_text=True), "version")
    response = lead_browser.post(
        url, {"handover_notes": "The lead's notes.", "version": lead_version}
    )
    assert response.status_code == 302
    response = expert_browser.post(
        url, {"handover_notes": "The expert's notes.", "version": expert_version}
    )
    assert response.status_code == 200
    html = text_of(response)
    assert "Lena Lead saved this plan item on" in html
    assert "What changed: Updated the handover notes for Kubernetes operations." in html
    assert "The expert's notes.</textarea>" in html  # what the expert typed, kept
    assert "<p>The lead's notes.</p>" in html  # the saved version, under the form
    assert _db.session.get(PlanItem, item.id).handover_notes == "The lead's notes."
    assert len(events("plan_item.notes")) == 1

    # saving again on purpose replaces the lead's notes
    response = expert_browser.post(
        url, {"handover_notes": "The expert's notes.", "version": hidden_value(html, "version")}
    )
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(PlanItem, item.id).handover_notes == "The expert's notes."
    assert [event.actor_id for event in events("plan_item.notes")] == [
        lead.id,
        engagement.expert_id,
    ]


def test_handover_notes_without_a_version_change_nothing(login_as, engagement, item):
    browser = login_as(engagement.expert)
    url = f"/plan-items/{item.id}/notes"
    response = browser.post(url, {"handover_notes": "Blind write."})
    assert response.status_code == 200
    assert "saved this plan item" in text_of(response)
    assert _db.session.get(PlanItem, item.id).handover_notes == ""
    assert row_count(AuditEvent) == 0


def test_handover_notes_racing_between_check_and_write_are_a_conflict(
    login_as, engagement, item, monkeypatch
):
    browser = login_as(engagement.expert)
    url = f"/plan-items/{item.id}/notes"
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    check_version = plan_operations.check_version

    def check_then_lose_the_race(obj, submitted):
        check_version(obj, submitted)
        commit_elsewhere(PlanItem, obj.id, handover_notes="Won the race.")

    monkeypatch.setattr(plan_operations, "check_version", check_then_lose_the_race)
    response = browser.post(url, {"handover_notes": "Mine.", "version": version})
    assert response.status_code == 200
    html = text_of(response)
    assert "Mine.</textarea>" in html
    assert "<p>Won the race.</p>" in html
    _db.session.expire_all()
    assert _db.session.get(PlanItem, item.id).handover_notes == "Won the race."
    assert row_count(AuditEvent) == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("cto", 403), ("learner", 403), ("other expert", 404), ("unrelated staff", 404)],
)
def test_who_may_not_write_handover_notes(
    login_as, cto, make_user, item, maria, make_assignment, who, status
):
    make_assignment(plan_item=item, learner=maria)
    user = {
        "cto": cto,
        "learner": maria,
        "other expert": make_user(Role.EXPERT),
        "unrelated staff": make_user(Role.STAFF),
    }[who]
    browser = login_as(user)
    url = f"/plan-items/{item.id}/notes"
    assert browser.get(url).status_code == status
    assert browser.post(url, {"handover_notes": "Mine now."}).status_code == status
    assert _db.session.get(PlanItem, item.id).handover_notes == ""


def test_no_handover_notes_on_a_closed_engagement(login_as, engagement, item, db):
    engagement.status = EngagementStatus.CLOSED
    db.session.commit()
    assert login_as(engagement.expert).get(f"/plan-items/{item.id}/notes").status_code == 403


# --- assigning learners ------------------------------------------------------------------


def test_learner_rows_are_active_internal_staff_not_yet_assigned(
    login_as, cto, item, maria, make_user, make_assignment
):
    already = make_user(Role.STAFF, name="Already There")
    make_assignment(plan_item=item, learner=already)
    make_user(Role.STAFF, name="Inactive Ivan", active=False)
    make_user(Role.STAFF, name="External Eve", kind=UserKind.EXTERNAL)
    make_user(Role.IT_LEAD, name="Lead Without Staff Role")
    make_user(Role.STAFF, Role.IT_LEAD, name="Lead And Staff")
    html = text_of(login_as(cto).get(f"/plan-items/{item.id}/assign"))
    assert row_names(html) == ["Lead And Staff", "Maria Lopez"]
    assert option_labels(html, "rows-0-learner_role") == ["Primary", "Backup"]
    assert selected_value(html, "rows-1-learner_role") == "primary"
    assert f'<span class="pick-detail">{maria.email}</span>' in html
    label = f"Role in the transfer for Maria Lopez ({maria.email})"
    assert f'<label class="sr-only" for="rows-1-learner_role">{label}</label>' in html
    assert "Already assigned: Already There (Primary)." in html


def test_assign_learner(login_as, cto, engagement, item, maria):
    response = login_as(cto).post(
        f"/plan-items/{item.id}/assign", learner_data(maria, learner_role="backup")
    )
    assert response.status_code == 302
    (assignment,) = all_of(Assignment)
    assert (assignment.learner_id, assignment.learner_role, assignment.phase) == (
        maria.id,
        LearnerRole.BACKUP,
        Phase.PLANNED,
    )
    (event,) = events("assignment.create")
    assert event.summary == "Assigned Maria Lopez (backup) to Kubernetes operations"
    assert event.engagement_id == engagement.id


def test_assign_several_learners_at_once_only_the_ticked_ones(
    login_as, cto, item, maria, make_user
):
    tom = make_user(Role.STAFF, name="Tom Becker")
    nora = make_user(Role.STAFF, name="Nora Haddad")
    browser = login_as(cto)
    url = f"/plan-items/{item.id}/assign"
    assert row_names(text_of(browser.get(url))) == ["Maria Lopez", "Nora Haddad", "Tom Becker"]
    response = browser.post(
        url,
        {
            **learner_data(maria, row=0, learner_role="backup"),
            **learner_data(nora, row=1, chosen=None),
            **learner_data(tom, row=2),
        },
    )
    assert response.status_code == 302, text_of(response)
    assert [(a.learner.name, a.learner_role) for a in all_of(Assignment)] == [
        ("Maria Lopez", LearnerRole.BACKUP),
        ("Tom Becker", LearnerRole.PRIMARY),
    ]
    page = text_of(browser.get(response.headers["Location"]))
    assert (
        "Assigned 2 learners to Kubernetes operations: Maria Lopez (backup), Tom Becker (primary)."
        in page
    )


@pytest.mark.parametrize(
    ("learner", "message"),
    [
        ("external", "is an external user; only internal staff can be learners."),
        ("inactive", "account is inactive."),
        ("non-staff", "does not have the staff role."),
        ("duplicate", "is already assigned to Kubernetes operations."),
    ],
)
def test_assign_rejects_bad_learners_at_their_row(
    login_as, cto, item, maria, make_user, make_assignment, learner, message
):
    make_assignment(plan_item=item, learner=maria)
    tom = make_user(Role.STAFF, name="Tom Becker")
    learner_id = {
        "external": lambda: make_user(Role.STAFF, kind=UserKind.EXTERNAL).id,
        "inactive": lambda: make_user(Role.STAFF, active=False).id,
        "non-staff": lambda: make_user(Role.IT_LEAD).id,
        "duplicate": lambda: maria.id,
    }[learner]()
    response = login_as(cto).post(
        f"/plan-items/{item.id}/assign",
        {**learner_data(tom), **learner_data(learner_id, row=1)},
    )
    assert response.status_code == 200
    html = text_of(response)
    assert message in error_of(html, 1, "learner_id")
    assert error_of(html, 0, "learner_id") is None
    assert row_count(Assignment) == 1  # Tom is not assigned either: all or nothing
    assert row_count(AuditEvent) == 0


@pytest.mark.parametrize("learner_id", ["424242", "abc", "99999999999999999999999", "", None])
def test_assign_refuses_a_ticked_row_naming_nobody(login_as, cto, item, maria, learner_id):
    response = login_as(cto).post(
        f"/plan-items/{item.id}/assign",
        {**learner_data(maria), **learner_data(maria, row=1, learner_id=learner_id)},
    )
    assert response.status_code == 200
    html = text_of(response)
    assert '<div class="flash flash-error" role="alert"><p>Choose a learner from the list.' in html
    assert row_count(Assignment) == 0


def test_assign_without_a_tick_is_a_clear_message(login_as, cto, item, maria):
    browser = login_as(cto)
    for data in ({}, learner_data(maria, chosen=None)):
        response = browser.post(f"/plan-items/{item.id}/assign", data)
        assert response.status_code == 200
        assert "Tick at least one person to assign." in text_of(response)
    assert row_count(Assignment) == 0


def test_a_person_ticked_in_two_rows_is_refused(login_as, cto, item, maria):
    response = login_as(cto).post(
        f"/plan-items/{item.id}/assign",
        {**learner_data(maria), **learner_data(maria, row=1, learner_role="backup")},
    )
    assert response.status_code == 200
    html = text_of(response)
    assert error_of(html, 1, "learner_id") == "Maria Lopez is ticked in another row already."
    assert row_count(Assignment) == 0


@pytest.mark.parametrize("role", ["", "lead", "PRIMARY", None])
def test_assign_rejects_bad_learner_role(login_as, cto, item, maria, role):
    response = login_as(cto).post(
        f"/plan-items/{item.id}/assign", learner_data(maria, learner_role=role)
    )
    assert response.status_code == 200
    assert error_of(text_of(response), 0, "learner_role") == "Choose primary or backup."
    assert row_count(Assignment) == 0


def test_duplicate_assignment_race_is_caught(
    login_as, cto, item, maria, make_user, make_assignment, monkeypatch
):
    tom = make_user(Role.STAFF, name="Tom Becker")
    make_assignment(plan_item=item, learner=maria)
    monkeypatch.setattr(plan_operations, "is_assigned", lambda item, learner: False)
    response = login_as(cto).post(
        f"/plan-items/{item.id}/assign",
        {**learner_data(tom), **learner_data(maria, row=1, learner_role="backup")},
    )
    assert response.status_code == 200
    html = text_of(response)
    message = "Maria Lopez is already assigned to Kubernetes operations."
    assert error_of(html, 1, "learner_id") == message
    assert ticked(html) == ["0", "1"]
    assert selected_value(html, "rows-1-learner_role") == "backup"
    assert row_count(Assignment) == 1  # Tom's row, saved first, is rolled back
    assert row_count(AuditEvent) == 0


def test_nobody_left_to_assign(login_as, cto, item):
    html = text_of(login_as(cto).get(f"/plan-items/{item.id}/assign"))
    assert "Nobody left to assign" in html


def test_unassign(login_as, cto, engagement, item, maria, make_assignment):
    assignment = make_assignment(plan_item=item, learner=maria)
    browser = login_as(cto)
    form_page = f"/assignments/{assignment.id}"
    assert f'action="/assignments/{assignment.id}/unassign"' in text_of(browser.get(form_page))
    response = browser.post(f"/assignments/{assignment.id}/unassign", form_url=form_page)
    page = f"/engagements/{engagement.id}"
    assert response.status_code == 302
    assert response.headers["Location"] == f"{page}#item-{item.id}"
    assert row_count(Assignment) == 0
    (event,) = events("assignment.delete")
    assert event.summary == "Unassigned Maria Lopez from Kubernetes operations"
    assert event.engagement_id == engagement.id
    assert "Unassigned Maria Lopez from Kubernetes operations." in text_of(browser.get(page))


def test_a_learner_with_recorded_learning_stays_assigned(
    login_as, cto, engagement, item, maria, make_assignment, make_entry
):
    assignment = make_assignment(plan_item=item, learner=maria)
    make_entry(assignment=assignment)
    browser = login_as(cto)
    page = f"/assignments/{assignment.id}"
    response = browser.post(f"/assignments/{assignment.id}/unassign", form_url=page)
    assert response.headers["Location"] == page
    assert row_count(Assignment) == 1
    assert row_count(LearningEntry) == 1
    assert (
        "Maria Lopez stays assigned to Kubernetes operations: what is recorded (1 learning "
        "entry) remains part of the handover record. Make them a backup learner instead."
    ) in text_of(browser.get(page))


def test_a_backup_learner_with_recorded_learning_is_not_told_to_become_one(
    login_as, cto, item, maria, make_assignment, make_entry
):
    assignment = make_assignment(plan_item=item, learner=maria, role=LearnerRole.BACKUP)
    make_entry(assignment=assignment)
    browser = login_as(cto)
    page = f"/assignments/{assignment.id}"
    browser.post(f"/assignments/{assignment.id}/unassign", form_url=page)
    text = text_of(browser.get(page))
    assert "remains part of the handover record." in text
    assert "backup learner instead" not in text
    assert row_count(Assignment) == 1


def test_switch_primary_and_backup(login_as, cto, engagement, item, maria, make_assignment):
    assignment = make_assignment(plan_item=item, learner=maria, role=LearnerRole.PRIMARY)
    browser = login_as(cto)
    page = f"/assignments/{assignment.id}"
    assert "Make backup learner" in text_of(browser.get(page))
    response = browser.post(
        f"/assignments/{assignment.id}/role", {"learner_role": "backup"}, form_url=page
    )
    assert response.status_code == 302
    assert response.headers["Location"] == page
    assert "Make primary learner" in text_of(browser.get(page))
    assert _db.session.get(Assignment, assignment.id).learner_role is LearnerRole.BACKUP
    (event,) = events("assignment.role")
    assert event.summary == "Made Maria Lopez the backup learner for Kubernetes operations"
    browser.post(f"/assignments/{assignment.id}/role", {"learner_role": "boss"}, form_url=page)
    assert _db.session.get(Assignment, assignment.id).learner_role is LearnerRole.BACKUP
    # the same button in a second tab: the page says so, and nothing is recorded twice
    browser.post(f"/assignments/{assignment.id}/role", {"learner_role": "backup"}, form_url=page)
    assert "Maria Lopez is already the backup learner." in text_of(browser.get(page))
    assert len(events("assignment.role")) == 1


# --- phases ------------------------------------------------------------------------------


@pytest.fixture
def assignment(item, maria, make_assignment):
    return make_assignment(plan_item=item, learner=maria, phase=Phase.SHADOWING)


def test_move_phase(login_as, cto, engagement, assignment):
    browser = login_as(cto)
    page = f"/assignments/{assignment.id}"
    html = browser.get(page).get_data(as_text=True)
    assert re.search(r'<option selected value="shadowing">2\. Shadowing</option>', html)
    response = browser.post(
        f"/assignments/{assignment.id}/phase", {"phase": "independent"}, form_url=page
    )
    assert response.status_code == 302
    assert response.headers["Location"] == page
    assert _db.session.get(Assignment, assignment.id).phase is Phase.INDEPENDENT
    (event,) = events("assignment.phase")
    assert event.summary == ("Moved Maria Lopez on Kubernetes operations: Shadowing → Independent")
    assert event.engagement_id == engagement.id
    assert "Moved Maria Lopez to Independent on Kubernetes operations." in text_of(
        browser.get(page)
    )


def test_signing_off_needs_a_confirmed_level_at_target(
    login_as, cto, engagement, item, assignment, make_confirmation
):
    browser = login_as(cto)
    page = f"/assignments/{assignment.id}"
    url = f"/assignments/{assignment.id}/phase"
    browser.post(url, {"phase": "signed_off"}, form_url=page)
    assert _db.session.get(Assignment, assignment.id).phase is Phase.SHADOWING
    assert "signing off needs a confirmed level of at least" in text_of(browser.get(page))
    make_confirmation(assignment, item.target_level, engagement.expert)
    browser.post(url, {"phase": "signed_off"}, form_url=page)
    assert _db.session.get(Assignment, assignment.id).phase is Phase.SIGNED_OFF


def test_moving_to_the_same_phase_records_nothing(login_as, cto, engagement, assignment):
    browser = login_as(cto)
    page = f"/assignments/{assignment.id}"
    browser.post(f"/assignments/{assignment.id}/phase", {"phase": "shadowing"}, form_url=page)
    assert "Maria Lopez is already in Shadowing" in text_of(browser.get(page))
    assert row_count(AuditEvent) == 0


@pytest.mark.parametrize("phase", ["", "done", "SHADOWING", "1", "x" * 10000, "signed off\x00"])
def test_bad_phase_changes_nothing(login_as, cto, engagement, assignment, phase):
    browser = login_as(cto)
    page = f"/engagements/{engagement.id}"
    response = browser.post(f"/assignments/{assignment.id}/phase", {"phase": phase}, form_url=page)
    assert response.status_code == 302
    assert _db.session.get(Assignment, assignment.id).phase is Phase.SHADOWING
    assert row_count(AuditEvent) == 0
    assert "The phase was not changed." in text_of(browser.get(page))


def test_phase_without_a_value_changes_nothing(login_as, cto, engagement, assignment):
    browser = login_as(cto)
    response = browser.post(f"/assignments/{assignment.id}/phase", {}, form_url="/")
    assert response.status_code == 302
    assert _db.session.get(Assignment, assignment.id).phase is Phase.SHADOWING


# --- who may change the plan -------------------------------------------------------------


def plan_requests(engagement, item, assignment, kubernetes, maria):
    """(method, url, data) for every plan write and form."""
    return [
        ("get", f"/engagements/{engagement.id}/plan/new", None),
        ("post", f"/engagements/{engagement.id}/plan/new", item_data(kubernetes)),
        ("get", f"/plan-items/{item.id}/edit", None),
        ("post", f"/plan-items/{item.id}/edit", {"target_level": "5", "criticality": "low"}),
        ("post", f"/plan-items/{item.id}/delete", {}),
        ("get", f"/plan-items/{item.id}/assign", None),
        ("post", f"/plan-items/{item.id}/assign", learner_data(maria)),
        ("post", f"/assignments/{assignment.id}/unassign", {}),
        ("post", f"/assignments/{assignment.id}/phase", {"phase": "independent"}),
    ]


def snapshot():
    return (
        row_count(PlanItem),
        row_count(Assignment),
        row_count(AuditEvent),
        [(i.target_level, i.criticality) for i in all_of(PlanItem)],
        [a.phase for a in all_of(Assignment)],
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("it_lead", 403),
        ("admin", 403),
        ("expert of the engagement", 403),
        ("learner", 403),
        ("other expert", 404),
        ("unrelated staff", 404),
    ],
)
def test_only_a_cto_changes_the_plan(
    login_as, make_user, engagement, item, assignment, kubernetes, make_skill, who, status
):
    other_skill = make_skill("Terraform modules")
    user = {
        "it_lead": lambda: make_user(Role.IT_LEAD),
        "admin": lambda: make_user(Role.ADMIN),
        "expert of the engagement": lambda: engagement.expert,
        "learner": lambda: assignment.learner,
        "other expert": lambda: make_user(Role.EXPERT),
        "unrelated staff": lambda: make_user(Role.STAFF),
    }[who]()
    newcomer = make_user(Role.STAFF, name="Newcomer")
    browser = login_as(user)
    before = snapshot()
    for method, url, data in plan_requests(engagement, item, assignment, other_skill, newcomer):
        response = browser.get(url) if method == "get" else browser.post(url, data, form_url="/")
        assert response.status_code == status, (method, url)
    assert snapshot() == before


def test_a_closed_engagements_plan_is_read_only(
    login_as, cto, make_user, engagement, item, assignment, make_skill, db
):
    engagement.status = EngagementStatus.CLOSED
    db.session.commit()
    browser = login_as(cto)
    before = snapshot()
    requests = plan_requests(
        engagement, item, assignment, make_skill("Terraform"), make_user(Role.STAFF)
    )
    for method, url, data in requests:
        response = browser.get(url) if method == "get" else browser.post(url, data, form_url="/")
        assert response.status_code == 403, (method, url)
    assert snapshot() == before
    html = text_of(browser.get(f"/engagements/{engagement.id}"))
    assert "Assign learner" not in html
    assert f"/assignments/{assignment.id}/phase" not in html


@pytest.mark.parametrize("object_id", ["424242", "99999999999999999999999", "0"])
def test_unknown_ids_are_404(login_as, cto, object_id):
    browser = login_as(cto)
    for url in (
        f"/engagements/{object_id}/plan/new",
        f"/plan-items/{object_id}/edit",
        f"/plan-items/{object_id}/notes",
        f"/plan-items/{object_id}/assign",
    ):
        assert browser.get(url).status_code == 404, url
    for url in (
        f"/plan-items/{object_id}/delete",
        f"/assignments/{object_id}/unassign",
        f"/assignments/{object_id}/phase",
    ):
        assert browser.post(url, {"phase": "independent"}, form_url="/").status_code == 404, url


def test_the_engagements_expert_cannot_be_a_learner(
    db, login_as, make_user, make_engagement, make_plan_item
):
    insider = make_user(Role.EXPERT, Role.STAFF, kind=UserKind.INTERNAL, name="Inge Insider")
    engagement = make_engagement(expert=insider)
    item = make_plan_item(engagement=engagement)
    browser = login_as(make_user(Role.CTO))
    assert "Inge Insider" not in browser.get(f"/plan-items/{item.id}/assign").get_data(as_text=True)
    response = browser.post(f"/plan-items/{item.id}/assign", learner_data(insider))
    assert response.status_code == 200
    assert "cannot learn from themself" in error_of(text_of(response), 0, "learner_id")
    assert row_count(Assignment) == 0


def test_notes_saved_unchanged_from_a_browser_are_not_a_change(login_as, engagement, item):
    """Browsers send CRLF line breaks; saving what was loaded records nothing."""
    item.handover_notes = "## Where things live\n\nRunbooks in `platform/runbooks`."
    _db.session.commit()
    browser = login_as(engagement.expert)
    page = f"/plan-items/{item.id}/notes"
    version = _db.session.get(PlanItem, item.id).version
    browser.post(
        page,
        {
            "handover_notes": "## Where things live\r\n\r\nRunbooks in `platform/runbooks`.\r\n",
            "version": str(version),
        },
    )
    stored = _db.session.get(PlanItem, item.id)
    assert stored.handover_notes == "## Where things live\n\nRunbooks in `platform/runbooks`."
    assert stored.version == version
    assert events("plan_item.notes") == []
    assert "were not changed" in text_of(browser.get(page))


# --- who may learn: the operation's rule, whatever the form lets through -----------------------


@pytest.mark.parametrize(
    ("learner", "message"),
    [
        ("inactive", "account is inactive."),
        ("external", "is an external user; only internal staff can be learners."),
        ("non-staff", "does not have the staff role."),
        ("expert", "is this engagement's expert and cannot learn from themself."),
    ],
)
def test_assign_learner_operation_refuses_who_may_not_learn(
    db, cto, make_user, make_engagement, make_plan_item, learner, message
):
    insider = make_user(Role.EXPERT, Role.STAFF, kind=UserKind.INTERNAL)
    item = make_plan_item(engagement=make_engagement(expert=insider))
    who = {
        "inactive": lambda: make_user(Role.STAFF, active=False),
        "external": lambda: make_user(Role.STAFF, kind=UserKind.EXTERNAL),
        "non-staff": lambda: make_user(Role.IT_LEAD),
        "expert": lambda: insider,
    }[learner]()
    with pytest.raises(plan_operations.Refused, match=re.escape(message)):
        plan_operations.assign_learner(
            item, learner=who, learner_role=LearnerRole.PRIMARY, actor=cto
        )
    db.session.commit()
    assert row_count(Assignment) == 0
    assert row_count(AuditEvent) == 0


def test_the_form_is_not_the_only_guard_against_the_expert_as_learner(
    db, login_as, make_user, make_engagement, make_plan_item, monkeypatch
):
    """Even when the form lets the expert through, the operation refuses at the field."""
    insider = make_user(Role.EXPERT, Role.STAFF, kind=UserKind.INTERNAL, name="Inge Insider")
    item = make_plan_item(engagement=make_engagement(expert=insider))
    monkeypatch.setattr(plan_forms.AssignLearnersForm, "check_rule", lambda form, row: None)
    response = login_as(make_user(Role.CTO)).post(
        f"/plan-items/{item.id}/assign", learner_data(insider, learner_role="backup")
    )
    assert response.status_code == 200
    html = text_of(response)
    assert error_of(html, 0, "learner_id") == (
        "Inge Insider is this engagement's expert and cannot learn from themself."
    )
    assert selected_value(html, "rows-0-learner_role") == "backup"  # what was chosen, kept
    assert row_count(Assignment) == 0
    assert row_count(AuditEvent) == 0


# --- the plan's rules, asked of the operations directly --------------------------------------


def test_operations_refuse_a_due_date_outside_the_engagement(db, cto, engagement, kubernetes, item):
    from datetime import timedelta

    before = engagement.start_date - timedelta(days=1)
    after = engagement.planned_end_date + timedelta(days=1)
    for due in (before, after):
        with pytest.raises(plan_operations.Refused) as refused:
            plan_operations.update_plan_item(
                item,
                target_level=3,
                criticality=item.criticality,
                due_date=due,
                version=item.version,
                actor=cto,
            )
        assert refused.value.field == "due_date"


def test_operations_refuse_an_archived_skill_and_one_already_on_the_plan(
    db, cto, engagement, item, kubernetes, make_skill
):
    archived = make_skill("Fax gateway", archived=True)
    for skill, message in ((archived, "is archived"), (kubernetes, "already on this plan")):
        with pytest.raises(plan_operations.Refused, match=message):
            plan_operations.create_plan_item(
                engagement,
                skill=skill,
                target_level=3,
                criticality=item.criticality,
                due_date=None,
                actor=cto,
            )


# --- long lists of skills and people: a search narrows them, the select shows a few ---------


def add_skills(n: int, *, prefix: str = "Skill", category: str = "Bulk") -> list:
    """``n`` skills named ``{prefix} 001`` … in one commit."""
    from knowtrans.skills.models import Skill

    skills = [
        Skill(name=f"{prefix} {i:03d}", category=category, description="") for i in range(1, n + 1)
    ]
    _db.session.add_all(skills)
    _db.session.commit()
    return skills


def add_staff(n: int, *, prefix: str = "Staff") -> list:
    """``n`` active internal staff members ``{prefix} 001`` … in one commit."""
    from knowtrans.users.models import User, UserRole

    people = []
    for i in range(1, n + 1):
        person = User(
            email=f"{prefix.lower()}{i:03d}@example.com",
            name=f"{prefix} {i:03d}",
            password_hash="-",
            kind=UserKind.INTERNAL,
            active=True,
        )
        person.role_rows = [UserRole(role=Role.STAFF)]
        people.append(person)
    _db.session.add_all(people)
    _db.session.commit()
    return people


def option_values(html: str, name: str) -> list[str]:
    return re.findall(r'<option[^>]*value="([^"]*)"', select_html(html, name))


def selected_value(html: str, name: str) -> str | None:
    match = re.search(r'<option selected value="([^"]*)"', select_html(html, name))
    return match[1] if match else None


SHOWN = plan_forms.CHOICES_SHOWN


def test_a_short_list_of_skills_is_offered_whole_without_a_search(
    login_as, cto, engagement, make_skill
):
    add_skills(SHOWN)
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}/plan/new"))
    assert len(row_names(html)) == SHOWN
    assert 'role="search"' not in html
    assert "more match" not in html
    assert "Skills of the catalogue that are not on this plan yet, by category." in html


def test_a_long_list_of_skills_shows_the_first_and_counts_the_rest(login_as, cto, engagement, item):
    add_skills(SHOWN + 7)
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}/plan/new"))
    assert len(row_names(html)) == SHOWN
    # a GET form on the page itself: no JavaScript needed
    url = f"/engagements/{engagement.id}/plan/new"
    assert f'<form method="get" action="{url}" class="filters" role="search"' in html
    assert '<label for="q">Search by name or category</label>' in html
    assert (
        f"Showing the first {SHOWN} of {SHOWN + 7} skills not on this plan yet, by category. "
        "7 more match: search above by name or category to narrow the list."
    ) in html


def test_the_skill_search_narrows_by_name_or_category(login_as, cto, engagement, item, make_skill):
    add_skills(SHOWN + 7)
    terraform = make_skill("Terraform modules", category="Platform")
    zabbix = make_skill("Zabbix alerts", category="Operations")
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/plan/new"

    html = text_of(browser.get(url, query_string={"q": "PLATFORM"}))
    # Kubernetes operations (Platform) is on the plan already
    assert row_names(html) == ["Terraform modules"]
    assert row_ids(html, "skill_id") == [str(terraform.id)]
    assert 'value="PLATFORM"' in html  # the search field keeps the text
    assert "One skill not on this plan yet matches “PLATFORM”." in html
    # the only match is ticked; the form posts back to the same search
    assert ticked(html) == ["0"]
    assert f'action="/engagements/{engagement.id}/plan/new?q=PLATFORM"' in html
    assert "Clear the search" in html

    html = text_of(browser.get(url, query_string={"q": "alerts"}))
    assert row_ids(html, "skill_id") == [str(zabbix.id)]

    html = text_of(browser.get(url, query_string={"q": "skill 05"}))
    assert row_names(html) == [f"Skill {n:03d}" for n in range(50, 58)]
    assert "8 skills not on this plan yet match “skill 05”, by category." in html
    assert ticked(html) == []  # several match: none is ticked for the CTO

    html = text_of(browser.get(url, query_string={"q": "skill"}))
    assert len(row_names(html)) == SHOWN
    assert (
        f"Showing the first {SHOWN} of {SHOWN + 7} skills not on this plan yet that match "
        "“skill”, by category. 7 more match: refine the search above."
    ) in html


def test_a_skill_search_without_a_match_says_so(login_as, cto, engagement, make_skill):
    make_skill("Terraform modules", category="Platform")
    html = text_of(
        login_as(cto).get(f"/engagements/{engagement.id}/plan/new", query_string={"q": "%_"})
    )
    assert "No skill matches “%_”" in html
    assert "rows-0" not in html
    assert f'<a href="/engagements/{engagement.id}/plan/new">show all skills</a>' in html


def test_a_bad_skill_search_is_a_message_at_the_search_field(login_as, cto, engagement):
    add_skills(3)
    html = text_of(
        login_as(cto).get(f"/engagements/{engagement.id}/plan/new", query_string={"q": "x" * 101})
    )
    assert '<p class="error" id="q-error">Field cannot be longer than 100 characters.</p>' in html
    assert len(row_names(html)) == 3  # the search is not applied


def test_a_skill_not_shown_is_accepted_on_the_rule(login_as, cto, engagement):
    skills = add_skills(SHOWN + 7)
    hidden = skills[-1]
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/plan/new"
    assert str(hidden.id) not in row_ids(text_of(browser.get(url)), "skill_id")
    response = browser.post(f"{url}?q=skill+001", item_data(hidden), form_url=url)
    assert response.status_code == 302, text_of(response)
    (item,) = all_of(PlanItem)
    assert item.skill_id == hidden.id


def test_a_refused_form_comes_back_with_its_rows_as_sent(login_as, cto, engagement):
    skills = add_skills(SHOWN + 7)
    hidden = skills[-1]
    url = f"/engagements/{engagement.id}/plan/new"
    response = login_as(cto).post(
        url,
        {
            **item_data(skills[0], row=0, chosen=None, target_level="", due_date=""),
            **item_data(hidden, row=1, target_level="", criticality="critical"),
        },
    )
    assert response.status_code == 200
    html = text_of(response)
    assert error_of(html, 1, "target_level") == "Choose a target level."
    assert row_names(html) == ["Skill 001", f"Skill {SHOWN + 7:03d}"]
    assert ticked(html) == ["1"]
    assert selected_value(html, "rows-1-criticality") == "critical"
    assert row_count(PlanItem) == 0


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("archived", "Choose a skill from the list. Old mainframe is archived."),
        ("on the plan", "Kubernetes operations is already on this plan."),
    ],
)
def test_a_skill_the_rule_refuses_is_refused_whatever_the_search(
    login_as, cto, engagement, item, kubernetes, make_skill, which, message
):
    add_skills(SHOWN + 7)
    skill_id = {
        "archived": lambda: make_skill("Old mainframe", archived=True).id,
        "on the plan": lambda: kubernetes.id,
    }[which]()
    url = f"/engagements/{engagement.id}/plan/new?q=skill"
    # the rule's answer comes with the other fields' messages
    response = login_as(cto).post(
        url, item_data(kubernetes, skill_id=str(skill_id), criticality="")
    )
    assert response.status_code == 200
    html = text_of(response)
    assert error_of(html, 0, "skill_id") == message
    assert error_of(html, 0, "criticality") == "Choose a criticality."
    assert row_count(PlanItem) == 1
    assert row_count(AuditEvent) == 0


def test_the_add_plan_item_page_reads_as_much_for_many_skills_as_for_few(
    login_as, cto, engagement, item, make_skill, count_queries
):
    make_skill("Terraform modules", category="Platform")
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/plan/new"
    with count_queries() as few:
        assert browser.get(url).status_code == 200
    add_skills(3 * SHOWN)
    counts = []
    for query in ({}, {"q": "skill"}, {"q": "terraform"}, {"q": "nothing like it"}):
        with count_queries() as many:
            assert browser.get(url, query_string=query).status_code == 200
        counts.append(len(many))
    assert counts == [len(few)] * 4
    assert len(few) <= 15


def post_counted(browser, url: str, data: dict, count_queries) -> tuple[int, int]:
    """POST ``data`` as the page's form (its token taken before); (status, statements)."""
    token = csrf_token_from(browser.get(url).get_data(as_text=True))
    with count_queries() as queries:
        response = browser.client.post(url, data={"csrf_token": token, **data})
    return response.status_code, len(queries)


def test_adding_reads_as_much_for_many_rows_sent_as_for_few(
    login_as, cto, engagement, count_queries
):
    """Rows not ticked cost nothing; a ticked one costs the same however many are sent."""
    skills = add_skills(2 * SHOWN)
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}/plan/new"

    def rows(untouched: list, chosen, **overrides) -> dict:
        data: dict[str, str] = {}
        for row, skill in enumerate(untouched):
            data |= item_data(skill, row=row, chosen=None, target_level="", due_date="")
        return data | item_data(chosen, row=len(untouched), **overrides)

    refused = [
        post_counted(browser, url, rows(skills[:n], skills[-1], target_level="9"), count_queries)
        for n in (1, SHOWN - 1)
    ]
    assert refused[0] == refused[1]
    assert refused[0][0] == 200
    saved = [
        post_counted(browser, url, rows(skills[:1], skills[-1]), count_queries),
        post_counted(browser, url, rows(skills[2 : SHOWN + 1], skills[-2]), count_queries),
    ]
    assert saved[0] == saved[1]
    assert saved[0][0] == 302
    assert row_count(PlanItem) == 2


def test_a_short_list_of_learners_is_offered_whole_without_a_search(login_as, cto, item):
    add_staff(SHOWN)
    html = text_of(login_as(cto).get(f"/plan-items/{item.id}/assign"))
    assert len(row_names(html)) == SHOWN
    assert 'role="search"' not in html
    assert "Active internal staff members who are not on this skill yet." in html


def test_a_long_list_of_learners_shows_the_first_and_counts_the_rest(
    login_as, cto, item, maria, make_assignment
):
    make_assignment(plan_item=item, learner=maria)
    add_staff(SHOWN + 12)
    html = text_of(login_as(cto).get(f"/plan-items/{item.id}/assign"))
    assert len(row_names(html)) == SHOWN
    assert "Maria Lopez" not in row_names(html)
    url = f"/plan-items/{item.id}/assign"
    assert f'<form method="get" action="{url}" class="filters" role="search"' in html
    assert '<label for="q">Search by name or e-mail</label>' in html
    assert (
        f"Showing the first {SHOWN} of {SHOWN + 12} active internal staff members who are not "
        "on this skill yet. 12 more match: search above by name or e-mail to narrow the list."
    ) in html


def test_the_learner_search_narrows_by_name_or_email(login_as, cto, item, make_user):
    add_staff(SHOWN + 12)
    nora = make_user(Role.STAFF, name="Nora Haddad", email="n.haddad@example.com")
    make_user(Role.STAFF, name="Inactive Haddad", active=False)
    browser = login_as(cto)
    url = f"/plan-items/{item.id}/assign"

    html = text_of(browser.get(url, query_string={"q": "haddad"}))
    assert row_names(html) == ["Nora Haddad"]
    assert '<span class="pick-detail">n.haddad@example.com</span>' in html
    assert ticked(html) == ["0"]
    assert f'action="/plan-items/{item.id}/assign?q=haddad"' in html

    html = text_of(browser.get(url, query_string={"q": "N.HADDAD@"}))
    assert row_ids(html, "learner_id") == [str(nora.id)]

    html = text_of(browser.get(url, query_string={"q": "staff00"}))
    assert len(row_names(html)) == 9
    assert ticked(html) == []
    assert "9 staff members who are not on this skill yet match “staff00”." in html

    html = text_of(browser.get(url, query_string={"q": "nobody like this"}))
    assert "Nobody matches “nobody like this”" in html
    assert "rows-0" not in html


def test_a_learner_not_shown_is_accepted_on_the_rule(login_as, cto, item):
    people = add_staff(SHOWN + 12)
    hidden = people[-1]
    browser = login_as(cto)
    url = f"/plan-items/{item.id}/assign"
    assert str(hidden.id) not in row_ids(text_of(browser.get(url)), "learner_id")
    response = browser.post(f"{url}?q=staff+001", learner_data(hidden))
    assert response.status_code == 302, text_of(response)
    (assignment,) = all_of(Assignment)
    assert assignment.learner_id == hidden.id


def test_a_learner_not_shown_stays_ticked_when_the_form_comes_back(login_as, cto, item):
    hidden = add_staff(SHOWN + 12)[-1]
    response = login_as(cto).post(
        f"/plan-items/{item.id}/assign", learner_data(hidden, learner_role="boss")
    )
    assert response.status_code == 200
    html = text_of(response)
    assert error_of(html, 0, "learner_role") == "Choose primary or backup."
    assert row_names(html) == [hidden.name]
    assert ticked(html) == ["0"]
    assert row_count(Assignment) == 0


@pytest.mark.parametrize(
    ("learner", "message"),
    [
        ("inactive", "Ina Inactive's account is inactive."),
        ("external", "Ed External is an external user; only internal staff can be learners."),
        ("expert", "Erik Expert is an external user; only internal staff can be learners."),
        ("assigned", "Maria Lopez is already assigned to Kubernetes operations."),
    ],
)
def test_a_learner_the_rule_refuses_is_refused_whatever_the_search(
    login_as, cto, engagement, item, maria, make_user, make_assignment, learner, message
):
    make_assignment(plan_item=item, learner=maria)
    add_staff(SHOWN + 12)
    learner_id = {
        "inactive": lambda: make_user(Role.STAFF, name="Ina Inactive", active=False).id,
        "external": lambda: make_user(Role.STAFF, name="Ed External", kind=UserKind.EXTERNAL).id,
        "expert": lambda: engagement.expert_id,
        "assigned": lambda: maria.id,
    }[learner]()
    response = login_as(cto).post(
        f"/plan-items/{item.id}/assign?q=staff", learner_data(learner_id, learner_role="lead")
    )
    assert response.status_code == 200
    html = text_of(response)
    assert error_of(html, 0, "learner_id") == message
    assert error_of(html, 0, "learner_role") == "Choose primary or backup."
    assert row_count(Assignment) == 1
    assert row_count(AuditEvent) == 0


def test_the_assign_page_reads_as_much_for_many_people_as_for_few(
    login_as, cto, item, maria, make_assignment, count_queries
):
    make_assignment(plan_item=item, learner=maria)
    add_staff(2)
    browser = login_as(cto)
    url = f"/plan-items/{item.id}/assign"
    with count_queries() as few:
        assert browser.get(url).status_code == 200
    # more people, and more of them on the item already
    for learner in add_staff(3 * SHOWN, prefix="More")[-3:]:
        make_assignment(plan_item=item, learner=learner)
    counts = []
    for query in ({}, {"q": "more"}, {"q": "more001"}, {"q": "nothing like it"}):
        with count_queries() as many:
            assert browser.get(url, query_string=query).status_code == 200
        counts.append(len(many))
    assert counts == [len(few)] * 4
    assert len(few) <= 15


def test_assigning_reads_as_much_for_many_rows_sent_as_for_few(login_as, cto, item, count_queries):
    people = add_staff(2 * SHOWN)
    browser = login_as(cto)
    url = f"/plan-items/{item.id}/assign"

    def rows(untouched: list, chosen, **overrides) -> dict:
        data: dict[str, str] = {}
        for row, person in enumerate(untouched):
            data |= learner_data(person, row=row, chosen=None)
        return data | learner_data(chosen, row=len(untouched), **overrides)

    refused = [
        post_counted(browser, url, rows(people[:n], people[-1], learner_role="x"), count_queries)
        for n in (1, SHOWN - 1)
    ]
    assert refused[0] == refused[1]
    assert refused[0][0] == 200
    saved = [
        post_counted(browser, url, rows(people[:1], people[-1]), count_queries),
        post_counted(browser, url, rows(people[2 : SHOWN + 1], people[-2]), count_queries),
    ]
    assert saved[0] == saved[1]
    assert saved[0][0] == 302
    assert row_count(Assignment) == 2
