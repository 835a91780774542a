"""The transfer plan, the skill catalogue and level confirmations in German: the labels of
levels, criticality, learner roles and phases, the forms, messages and audit summaries."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from knowtrans.audit.models import AuditEvent
from knowtrans.core.clock import today
from knowtrans.engagements.models import EngagementStatus
from knowtrans.extensions import db as _db
from knowtrans.plans import forms as plan_forms
from knowtrans.plans.models import LEVELS, Criticality, LearnerRole, Phase, level_text
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role


def german(make_user, *roles, name=None):
    user = make_user(*roles, name=name)
    user.language = "de"
    return user


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.get_data(as_text=True))


def option_labels(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name!r} on the page"
    return [unescape(label) for label in re.findall(r"<option[^>]*>([^<]*)</option>", select[1])]


def label_of(html: str, field: str) -> str:
    match = re.search(rf'<label[^>]*for="{field}"[^>]*>(.*?)</label>', html, re.S)
    assert match, f"no label for {field!r}"
    return match[1].strip()


def event_of(action: str) -> AuditEvent:
    return _db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).one()


@pytest.fixture
def engagement(make_user, make_engagement):
    return make_engagement(
        expert=make_user(Role.EXPERT, name="Erik Expert"),
        title="Cluster migration",
        status=EngagementStatus.ACTIVE,
        start=date(2026, 3, 2),
        end=today() + timedelta(days=80),
    )


@pytest.fixture
def cto(make_user, db):
    user = german(make_user, Role.CTO, name="Clara CTO")
    db.session.commit()
    return user


# --- labels ---------------------------------------------------------------------------------


def test_levels_and_enum_labels_follow_the_language(app):
    with app.test_request_context():
        assert [LEVELS[level] for level in LEVELS] == [
            "Novice",
            "Advanced beginner",
            "Competent",
            "Proficient",
            "Expert",
        ]
        with force_locale("de"):
            assert dict(LEVELS) == {
                1: "Einsteiger",
                2: "Fortgeschrittener Anfänger",
                3: "Kompetent",
                4: "Erfahren",
                5: "Experte",
            }
            assert level_text(3) == "3 · Kompetent"
            assert [c.label for c in Criticality] == ["Niedrig", "Mittel", "Hoch", "Kritisch"]
            assert [r.label for r in LearnerRole] == ["Hauptverantwortlich", "Vertretung"]
            assert [p.label for p in Phase] == [
                "Geplant",
                "Shadowing",
                "Reverse Shadowing",
                "Selbstständig",
                "Abgenommen",
            ]
        assert Phase.SIGNED_OFF.label == "Signed off"
        assert 3 in LEVELS
        assert 6 not in LEVELS
        assert len(LEVELS) == 5


def test_levels_are_plain_strings_outside_a_request():
    assert LEVELS[5] == "Expert"
    assert isinstance(LEVELS[5], str)
    assert Criticality.HIGH.label == "High"


# --- the plan's forms -----------------------------------------------------------------------


def test_the_plan_item_form_speaks_german(login_as, cto, engagement, make_skill):
    make_skill("Kubernetes operations", category="Platform")
    html = text_of(login_as(cto).get(f"/engagements/{engagement.id}/plan/new"))
    assert "<h1>Kompetenzen zum Transferplan hinzufügen</h1>" in html
    for header in ("Kompetenz", "Zielstufe", "Kritikalität", "Fälligkeitsdatum (optional)"):
        assert f'<th scope="col">{header}</th>' in html
    assert 'data-label="Zielstufe"' in html
    assert label_of(html, "rows-0-target_level") == "Zielstufe für Kubernetes operations"
    assert label_of(html, "rows-0-criticality") == "Kritikalität von Kubernetes operations"
    assert label_of(html, "rows-0-due_date") == "Fälligkeitsdatum für Kubernetes operations"
    assert option_labels(html, "rows-0-target_level") == [
        "Stufe wählen …",
        "1 · Einsteiger",
        "2 · Fortgeschrittener Anfänger",
        "3 · Kompetent",
        "4 · Erfahren",
        "5 · Experte",
    ]
    assert option_labels(html, "rows-0-criticality") == ["Niedrig", "Mittel", "Hoch", "Kritisch"]
    assert "Kreuzen Sie jede Kompetenz an, die hinzugefügt werden soll," in html
    assert "Transferplan von <a" in html
    assert "02.03.2026 – " in html
    assert "Zum Transferplan hinzufügen</button>" in html


def row(n: int, **fields: str) -> dict[str, str]:
    return {f"rows-{n}-{name}": value for name, value in fields.items()}


def test_a_german_refusal_names_the_date_the_german_way(login_as, cto, engagement, make_skill):
    skill = make_skill("Kubernetes operations", category="Platform")
    terraform = make_skill("Terraform modules", category="Platform")
    url = f"/engagements/{engagement.id}/plan/new"
    response = login_as(cto).post(
        url,
        {
            **row(0, skill_id=str(skill.id), chosen="y", target_level="", criticality="urgent"),
            **row(1, skill_id=str(terraform.id), target_level="2", due_date="2026-03-01"),
        },
    )
    html = text_of(response)
    assert "Wählen Sie eine Zielstufe." in html
    assert "Wählen Sie niedrig, mittel, hoch oder kritisch." in html
    assert (
        "Terraform modules ist nicht angekreuzt: Kreuzen Sie die Kompetenz an, um sie ebenfalls "
        "hinzuzufügen, oder entfernen Sie Zielstufe und Fälligkeitsdatum."
    ) in html
    assert "Bitte korrigieren Sie die unten markierten Felder" in html

    html = text_of(login_as(cto).post(url, row(0, skill_id=str(skill.id))))
    assert "Kreuzen Sie mindestens eine Kompetenz an und wählen Sie ihre Zielstufe." in html

    html = text_of(
        login_as(cto).post(
            url,
            {
                **row(
                    0, skill_id=str(skill.id), chosen="y", target_level="3", due_date="2026-03-01"
                ),
                **row(1, skill_id=str(skill.id), chosen="y", target_level="3"),
            },
        )
    )
    assert (
        "Das Fälligkeitsdatum darf nicht vor dem Beginn des Einsatzes (02.03.2026) liegen." in html
    )
    assert "Kubernetes operations ist bereits in einer anderen Zeile angekreuzt." in html

    response = login_as(cto).post(
        url,
        {
            **row(0, skill_id=str(skill.id), chosen="y", target_level="3", criticality="high"),
            **row(1, skill_id=str(terraform.id), chosen="y", target_level="2", criticality="low"),
        },
        follow_redirects=True,
    )
    assert (
        "2 Kompetenzen zum Transferplan hinzugefügt: Kubernetes operations, Terraform modules."
        in text_of(response)
    )
    summaries = [
        event.summary
        for event in _db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "plan_item.create")
            .order_by(AuditEvent.id)
        )
    ]
    assert summaries[0] == (
        "Kubernetes operations zum Transferplan hinzugefügt: Zielstufe 3 · Kompetent, "
        "Kritikalität hoch"
    )


def test_a_due_date_before_the_start_is_refused_in_german(
    login_as, cto, engagement, make_plan_item, make_skill
):
    item = make_plan_item(engagement=engagement, skill=make_skill("Kubernetes operations"))
    browser = login_as(cto)
    html = text_of(browser.get(f"/plan-items/{item.id}/edit"))
    assert "<h1>Kubernetes operations bearbeiten</h1>" in html
    version = re.search(r'name="version"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="version"', html
    )
    assert version
    response = browser.post(
        f"/plan-items/{item.id}/edit",
        {
            "target_level": "3",
            "criticality": "high",
            "due_date": "2026-03-01",
            "version": version[1],
        },
    )
    assert (
        "Das Fälligkeitsdatum darf nicht vor dem Beginn des Einsatzes (02.03.2026) liegen."
        in text_of(response)
    )


def test_the_assign_form_speaks_german(login_as, cto, engagement, make_plan_item, make_user):
    item = make_plan_item(engagement=engagement, target_level=4)
    maria = make_user(Role.STAFF, name="Maria Lopez")
    html = text_of(login_as(cto).get(f"/plan-items/{item.id}/assign"))
    assert f"<title>Lernende zuordnen · {item.skill.name}" in html
    assert f"<h1>Lernende für {item.skill.name} zuordnen</h1>" in html
    assert "Zielstufe 4 · Erfahren" in html
    assert '<th scope="col">Mitarbeitende</th>' in html
    assert '<th scope="col">Rolle im Wissenstransfer</th>' in html
    assert label_of(html, "rows-0-learner_role") == (
        f"Rolle im Wissenstransfer für Maria Lopez ({maria.email})"
    )
    assert option_labels(html, "rows-0-learner_role") == ["Hauptverantwortlich", "Vertretung"]
    assert "Jede Zuordnung beginnt in der Phase „Geplant“." in html
    assert "Zuordnen</button>" in html


def test_assigning_flashes_and_records_in_german(
    login_as, cto, engagement, make_plan_item, make_user
):
    item = make_plan_item(engagement=engagement)
    maria = make_user(Role.STAFF, name="Maria Lopez")
    tom = make_user(Role.STAFF, name="Tom Becker")
    browser = login_as(cto)
    url = f"/plan-items/{item.id}/assign"
    html = text_of(browser.post(url, row(0, learner_id=str(maria.id), learner_role="backup")))
    assert "Kreuzen Sie mindestens eine Person an, die zugeordnet werden soll." in html
    response = browser.post(
        url,
        row(0, learner_id=str(maria.id), chosen="y", learner_role="backup"),
        follow_redirects=True,
    )
    assert f"Maria Lopez (Vertretung) der Kompetenz {item.skill.name} zugeordnet." in text_of(
        response
    )
    event = event_of("assignment.create")
    assert event.summary == f"Maria Lopez (Vertretung) der Kompetenz {item.skill.name} zugeordnet"

    other = make_plan_item(engagement=engagement)
    response = browser.post(
        f"/plan-items/{other.id}/assign",
        {
            **row(0, learner_id=str(maria.id), chosen="y", learner_role="primary"),
            **row(1, learner_id=str(tom.id), chosen="y", learner_role="backup"),
        },
        follow_redirects=True,
    )
    assert (
        f"2 Lernende der Kompetenz {other.skill.name} zugeordnet: Maria Lopez "
        "(hauptverantwortlich), Tom Becker (Vertretung)."
    ) in text_of(response)


# --- the skill catalogue --------------------------------------------------------------------


def test_the_skill_list_speaks_german(login_as, cto, make_skill, make_plan_item):
    make_skill("Kubernetes operations", category="Platform")
    make_skill("Legacy FTP", category="Platform", archived=True)
    html = text_of(login_as(cto).get("/skills?archived=1"))
    assert "<title>Kompetenzen" in html
    assert "<h1>Kompetenzkatalog</h1>" in html
    assert "Neue Kompetenz</a>" in html
    assert label_of(html, "q") == "Name oder Beschreibung"
    assert label_of(html, "category") == "Kompetenzbereich"
    assert "Archivierte Kompetenzen anzeigen" in html
    assert option_labels(html, "category") == ["Alle Kompetenzbereiche", "Platform"]
    assert "2 Kompetenzen entsprechen diesen Filtern." in html
    for header in ("Name", "Kompetenzbereich", "Beschreibung", "Planpunkte", "Status", "Aktionen"):
        assert f">{header}</th>" in html
    assert "Auf keinem Plan" in html  # on no plan yet: not "in use"
    assert "Archiviert" in html
    assert "Wiederherstellen</button>" in html
    assert "Archivieren</button>" in html
    assert 'aria-label="Kubernetes operations bearbeiten"' in html


def test_a_duplicate_skill_is_refused_in_german(login_as, cto, make_skill):
    make_skill("Kubernetes operations", category="Platform", archived=True)
    response = login_as(cto).post(
        "/skills/new", {"name": "kubernetes operations", "category": "Platform"}
    )
    assert (
        "Eine Kompetenz namens „Kubernetes operations“ gibt es bereits. Sie ist archiviert: "
        "Stellen Sie sie wieder her, statt sie neu anzulegen." in text_of(response)
    )


# --- confirmations --------------------------------------------------------------------------


def test_the_confirmation_page_speaks_german(
    login_as, engagement, make_plan_item, make_assignment, make_user, make_entry, db
):
    item = make_plan_item(engagement=engagement, target_level=3, criticality=Criticality.CRITICAL)
    maria = make_user(Role.STAFF, name="Maria Lopez")
    assignment = make_assignment(plan_item=item, learner=maria, role=LearnerRole.BACKUP)
    make_entry(assignment, minutes=90, self_level=2)
    expert = engagement.expert
    expert.language = "de"
    db.session.commit()
    browser = login_as(expert)
    html = text_of(browser.get(f"/assignments/{assignment.id}/confirm"))
    assert f"<h1>Stufe von Maria Lopez in {item.skill.name} bestätigen</h1>" in html
    assert "Aktueller Stand" in html
    assert "(Vertretung)" in html
    assert "<dt>Phase</dt><dd>Shadowing</dd>" in html
    assert "Kritisch</span>" in html
    assert "3 · Kompetent" in html
    assert "2 · Fortgeschrittener Anfänger" in html
    assert "1 Std. 30 Min. in 1 Eintrag" in html
    assert label_of(html, "level") == "Bestätigte Stufe"
    assert option_labels(html, "level")[0] == "Stufe wählen …"
    assert option_labels(html, "level")[5] == "5 · Experte"
    assert "3 · Kompetent bedeutet: arbeitet in normalen Fällen selbstständig." in html
    assert "Stufe bestätigen</button>" in html

    response = browser.post(
        f"/assignments/{assignment.id}/confirm",
        {"level": "2", "comment": "", "sign_off": "y"},
    )
    assert "Für die Abnahme ist mindestens die Zielstufe 3 (Kompetent) nötig." in text_of(response)

    response = browser.post(
        f"/assignments/{assignment.id}/confirm",
        {"level": "3", "comment": "", "sign_off": "y"},
        follow_redirects=True,
    )
    assert (
        f"Stufe 3 (Kompetent) für Maria Lopez in {item.skill.name} bestätigt; Maria Lopez ist "
        "jetzt in der Phase „Abgenommen“." in unescape(response.get_data(as_text=True))
    )
    summaries = [
        event.summary
        for event in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
        if event.action.startswith("assignment.")
    ]
    assert summaries == [
        f"Stufe 3 (Kompetent) für Maria Lopez in {item.skill.name} bestätigt",
        f"Phase von Maria Lopez in {item.skill.name} geändert: Shadowing → Abgenommen",
    ]


def test_the_skill_search_and_its_counts_speak_german(login_as, cto, engagement, db):
    shown = plan_forms.CHOICES_SHOWN
    db.session.add_all(
        Skill(name=f"Skill {n:04d}", category="Platform", description="") for n in range(shown + 1)
    )
    db.session.add_all(
        Skill(name=f"Tool {n:04d}", category="Tools", description="") for n in range(1200)
    )
    db.session.commit()
    browser = login_as(cto)
    html = text_of(browser.get(f"/engagements/{engagement.id}/plan/new"))
    assert label_of(html, "q") == "Nach Name oder Kompetenzbereich suchen"
    assert (
        f"Die ersten {shown} von 1.251 Kompetenzen, die noch nicht auf diesem Transferplan "
        "stehen, nach Kompetenzbereich. 1.201 weitere Kompetenzen passen: Suchen Sie oben nach "
        "Name oder Kompetenzbereich, um die Liste einzugrenzen."
    ) in html

    html = text_of(browser.get(f"/engagements/{engagement.id}/plan/new?q=skill"))
    assert (
        f"Die ersten {shown} von {shown + 1} Kompetenzen, die noch nicht auf diesem "
        "Transferplan stehen und zu „skill“ passen, nach Kompetenzbereich. 1 weitere Kompetenz "
        "passt: Verfeinern Sie die Suche oben."
    ) in html
    html = text_of(browser.get(f"/engagements/{engagement.id}/plan/new?q=nothing+like+this"))
    assert "Keine Kompetenz passt zu „nothing like this“" in html
