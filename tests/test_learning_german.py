"""The learning log in German, and messages that say what is wrong and what is allowed: the
activity labels, the pages and the entry form of a learner who reads German, its field
messages, flash messages and the audit summaries written in the actor's language."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from knowtrans.audit.models import AuditEvent
from knowtrans.core.clock import today
from knowtrans.core.formatting import format_date
from knowtrans.learning.models import Activity, LearningEntry
from knowtrans.users.models import Role
from tests.conftest import row_count
from tests.test_learning import entry_data

GERMAN_ACTIVITIES = {
    Activity.SHADOWING: "Shadowing",
    Activity.PAIRING: "Pair-Arbeit",
    Activity.REVERSE_SHADOWING: "Reverse Shadowing",
    Activity.WALKTHROUGH: "Walkthrough",
    Activity.DOCUMENTATION: "Dokumentation",
    Activity.SELF_STUDY: "Selbststudium",
    Activity.WORKSHOP: "Workshop",
}


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.get_data(as_text=True))


def error_at(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error at {field!r}"
    return unescape(match[1])


def option_labels(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name!r} on the page"
    return [unescape(label) for label in re.findall(r"<option[^>]*>([^<]*)</option>", select[1])]


def audit_summary(action: str) -> str:
    from knowtrans.extensions import db

    return (
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).one().summary
    )


@pytest.fixture
def scene(db, make_user, make_skill, make_engagement, make_plan_item, make_assignment):
    """Maria reads German; her assignment on Kubernetes operations."""

    class Scene:
        expert = make_user(Role.EXPERT, name="Erik Expert")
        learner = make_user(Role.STAFF, name="Maria Lopez")
        lead = make_user(Role.IT_LEAD, name="Markus Klein")
        engagement = make_engagement(expert=expert, title="Cluster migration")
        plan_item = make_plan_item(
            engagement=engagement, skill=make_skill("Kubernetes operations"), target_level=3
        )
        assignment = make_assignment(plan_item=plan_item, learner=learner)

    Scene.learner.language = "de"
    Scene.lead.language = "de"
    db.session.commit()
    return Scene


def german_entry(db, assignment, **values) -> LearningEntry:
    entry = LearningEntry(
        assignment=assignment,
        date=values.pop("day", date(2026, 11, 27)),
        activity=values.pop("activity", Activity.PAIRING),
        minutes=values.pop("minutes", 90),
        learned=values.pop("learned", "Drained a node."),
        self_level=values.pop("self_level", 2),
    )
    db.session.add(entry)
    db.session.commit()
    return entry


# --- the activity labels ------------------------------------------------------------------


def test_activity_labels_in_english_and_german(app):
    with app.test_request_context():
        assert [activity.label for activity in Activity] == [
            "Shadowing",
            "Pairing",
            "Reverse shadowing",
            "Walkthrough",
            "Documentation",
            "Self-study",
            "Workshop",
        ]
        assert Activity.REVERSE_SHADOWING.in_sentence == "reverse shadowing"
        with force_locale("de"):
            assert {activity: activity.label for activity in Activity} == GERMAN_ACTIVITIES
            assert Activity.PAIRING.in_sentence == "Pair-Arbeit"


# --- pages in German ---------------------------------------------------------------------


def test_the_assignment_page_in_german(scene, login_as, db):
    german_entry(db, scene.assignment, day=date(2026, 11, 27), minutes=90)
    html = text_of(login_as(scene.learner).get(f"/assignments/{scene.assignment.id}"))
    for text in (
        "Lernfortschritt erfassen",
        "Lernprotokoll",
        "Erfasste Zeit",
        "1 Std. 30 Min. in 1 Eintrag",
        "Offene Fragen",
        "Selbsteinschätzung",
        "Zielstufe",
        "Kritikalität",
        "Übergabenotizen von Erik Expert",
        "Bestätigungen der Stufe",
        "27.11.2026 · Pair-Arbeit · 1 Std. 30 Min.",
        "Eintrag bearbeiten",
        "Diesen Lerneintrag vom 27.11.2026 löschen? Das kann nicht rückgängig gemacht werden.",
    ):
        assert text in html, text
    for english in ("Learning log", "Time logged", "Record learning", "Pairing", "2026-11-27"):
        assert english not in html, english


def test_my_assignments_in_german(scene, login_as, db):
    german_entry(db, scene.assignment, minutes=120)
    html = text_of(login_as(scene.learner).get("/my/assignments"))
    for text in (
        "<h1>Meine Zuordnungen</h1>",
        "Erfasste Zeit",
        "2 Std.",
        "Lernfortschritt erfassen",
    ):
        assert text in html, text
    assert "Lernfortschritt für Kubernetes operations erfassen" in html  # the button's name
    start = scene.engagement.start_date
    assert f"{start.day:02}.{start.month:02}.{start.year} bis" in html
    assert "Time logged" not in html


def test_the_entry_form_in_german(scene, login_as):
    html = text_of(login_as(scene.learner).get(f"/assignments/{scene.assignment.id}/entries/new"))
    for label in (
        "Datum",
        "Aktivität",
        "Aufgewendete Minuten",
        "Was ich gelernt habe",
        "Nachweis-Links",
        "Meine Stufe jetzt",
        "Offene Fragen",
    ):
        assert f">{label}</label>" in html, label
    assert option_labels(html, "activity") == list(GERMAN_ACTIVITIES.values())
    assert option_labels(html, "self_level")[0] == "Nicht eingeschätzt"
    assert "<h1>Lernfortschritt erfassen</h1>" in html
    assert "Eintrag erfassen</button>" in html
    assert "Abbrechen</a>" in html
    assert "Minutes spent" not in html


def test_recording_in_german_flashes_and_audits_in_german(scene, login_as, db):
    browser = login_as(scene.learner)
    url = f"/assignments/{scene.assignment.id}/entries/new"
    response = browser.post(url, entry_data(minutes="90", activity="pairing"))
    assert response.status_code == 302
    page = text_of(browser.get(response.headers["Location"]))
    assert "Ihr Lerneintrag wurde erfasst." in page
    summary = audit_summary("learning_entry.create")
    day = today()
    german_day = f"{day.day:02}.{day.month:02}.{day.year}"
    assert summary == (
        f"Lerneintrag erfasst: 1 Std. 30 Min. Pair-Arbeit am {german_day} für Kubernetes operations"
    )
    # sent twice: said in German too
    again = browser.post(url, entry_data(minutes="90", activity="pairing"))
    assert "bereits erfasst; es wurde nichts hinzugefügt" in text_of(
        browser.get(again.headers["Location"])
    )


def test_the_audit_summary_is_one_sentence_in_english(scene, login_as, db):
    scene.learner.language = "en"
    db.session.commit()
    response = login_as(scene.learner).post(
        f"/assignments/{scene.assignment.id}/entries/new",
        entry_data(minutes="150", activity="self_study"),
    )
    assert response.status_code == 302
    with force_locale("en"):
        day = format_date(today())
    assert audit_summary("learning_entry.create") == (
        f"Recorded 2 hr 30 min of self-study on {day} for Kubernetes operations"
    )
    assert today().isoformat() not in audit_summary("learning_entry.create")


def test_a_date_too_early_is_refused_in_german_with_a_german_date(scene, login_as, db):
    scene.engagement.start_date = date(2026, 3, 2)
    db.session.commit()
    html = text_of(
        login_as(scene.learner).post(
            f"/assignments/{scene.assignment.id}/entries/new", entry_data(date="2026-01-15")
        )
    )
    assert error_at(html, "date") == (
        "Das Datum darf nicht vor dem 31.01.2026 liegen (30 Tage vor Beginn des Einsatzes)."
    )
    assert row_count(LearningEntry) == 0


# --- what is wrong and what is allowed ------------------------------------------------------


@pytest.mark.parametrize("minutes", ["1.5", "1,5", "90 min", "1:30", "abc"])
def test_minutes_that_are_not_whole_say_so(scene, login_as, db, minutes):
    scene.learner.language = "en"
    db.session.commit()
    html = text_of(
        login_as(scene.learner).post(
            f"/assignments/{scene.assignment.id}/entries/new", entry_data(minutes=minutes)
        )
    )
    assert error_at(html, "minutes") == "Enter whole minutes, e.g. 90."
    assert "Not a valid integer value" not in html
    assert f'value="{minutes}"' in html  # what was typed stays
    assert row_count(LearningEntry) == 0


def test_minutes_that_are_not_whole_in_german(scene, login_as):
    html = text_of(
        login_as(scene.learner).post(
            f"/assignments/{scene.assignment.id}/entries/new", entry_data(minutes="1.5")
        )
    )
    assert error_at(html, "minutes") == "Bitte ganze Minuten angeben, z. B. 90."
    assert "Bitte korrigieren Sie die unten markierten Felder" in html


def test_minutes_out_of_range_in_german(scene, login_as):
    html = text_of(
        login_as(scene.learner).post(
            f"/assignments/{scene.assignment.id}/entries/new", entry_data(minutes="721")
        )
    )
    assert error_at(html, "minutes") == (
        "Bitte zwischen 1 und 720 Minuten angeben; längeres Lernen bitte als mehrere Einträge "
        "erfassen."
    )


BAD_LINKS = "\n".join(
    [
        "javascript:alert(1)",
        "https://wiki.example.com/runbooks/drain",
        "www.example.com/runbook",
        "https://wiki.example.com/" + "a" * 480,
        "ftp://files.example.com/x",
    ]
)


def test_every_bad_evidence_link_is_named(scene, login_as, db):
    scene.learner.language = "en"
    db.session.commit()
    html = text_of(
        login_as(scene.learner).post(
            f"/assignments/{scene.assignment.id}/entries/new", entry_data(evidence=BAD_LINKS)
        )
    )
    assert error_at(html, "evidence") == (
        'Link 1 ("javascript:alert(1)") is not a web address. '
        'Link 3 ("www.example.com/runbook") is not a web address. '
        "Link 4 is longer than 500 characters. "
        'Link 5 ("ftp://files.example.com/x") is not a web address. '
        "Each link must be a full web address starting with http:// or https://."
    )
    assert "https://wiki.example.com/runbooks/drain" in html  # the whole text stays to fix
    assert row_count(LearningEntry) == 0


def test_every_bad_evidence_link_is_named_in_german(scene, login_as):
    html = text_of(
        login_as(scene.learner).post(
            f"/assignments/{scene.assignment.id}/entries/new", entry_data(evidence=BAD_LINKS)
        )
    )
    assert error_at(html, "evidence") == (
        "Link 1 („javascript:alert(1)“) ist keine Webadresse. "
        "Link 3 („www.example.com/runbook“) ist keine Webadresse. "
        "Link 4 ist länger als 500 Zeichen. "
        "Link 5 („ftp://files.example.com/x“) ist keine Webadresse. "
        "Jeder Link muss eine vollständige Webadresse sein, die mit http:// oder https:// "
        "beginnt."
    )


def test_only_too_long_links_do_not_ask_for_http(scene, login_as, db):
    scene.learner.language = "en"
    db.session.commit()
    long_link = "https://wiki.example.com/" + "a" * 480
    html = text_of(
        login_as(scene.learner).post(
            f"/assignments/{scene.assignment.id}/entries/new",
            entry_data(evidence=f"{long_link}\n{long_link}b"),
        )
    )
    assert error_at(html, "evidence") == (
        "Link 1 is longer than 500 characters. Link 2 is longer than 500 characters."
    )


def test_every_question_too_long_is_named(scene, login_as, db):
    scene.learner.language = "en"
    db.session.commit()
    html = text_of(
        login_as(scene.learner).post(
            f"/assignments/{scene.assignment.id}/entries/new",
            entry_data(questions="\n".join(["q" * 501, "Fine?", "r" * 501])),
        )
    )
    assert error_at(html, "questions") == (
        "Question 1 is longer than 500 characters. Question 3 is longer than 500 characters."
    )


# --- hiding in German ----------------------------------------------------------------------


def test_hiding_in_german(scene, login_as, db):
    entry = german_entry(db, scene.assignment)
    lead = login_as(scene.lead)
    form = text_of(lead.get(f"/entries/{entry.id}/hide"))
    assert "<h1>Lerneintrag ausblenden</h1>" in form
    assert "Grund für das Ausblenden" in form
    assert "Außerdem Text, Nachweis-Links und Fragen endgültig löschen" in form

    refused = text_of(lead.post(f"/entries/{entry.id}/hide", {"reason": "", "version": "1"}))
    assert error_at(refused, "reason") == (
        "Bitte den Grund angeben: Die oder der Lernende sieht ihn."
    )

    response = lead.post(
        f"/entries/{entry.id}/hide", {"reason": "Von einem Skript erfasst.", "version": "1"}
    )
    assert response.status_code == 302
    page = text_of(lead.get(response.headers["Location"]))
    assert "Der Lerneintrag wurde ausgeblendet; die oder der Lernende sieht den Grund." in page
    assert "1 Eintrag ist ausgeblendet." in page
    assert "Markus Klein hat am" in page
    assert audit_summary("learning_entry.hide") == (
        "Lerneintrag von Maria Lopez ausgeblendet: 1 Std. 30 Min. Pair-Arbeit am 27.11.2026 "
        "für Kubernetes operations. Grund: Von einem Skript erfasst."
    )

    # the learner opens the edit form of the hidden entry: told who hid it and why, in German
    learner = login_as(scene.learner)
    opened = learner.get(f"/entries/{entry.id}/edit")
    assert opened.status_code == 302
    hidden_page = text_of(learner.get(opened.headers["Location"]))
    assert "Markus Klein hat diesen Eintrag am" in hidden_page
    assert "„Von einem Skript erfasst.“" in hidden_page
    assert "Ausgeblendet von Markus Klein am" in hidden_page


def test_the_bulk_hiding_preview_in_german(scene, login_as, db):
    german_entry(db, scene.assignment)
    german_entry(db, scene.assignment, learned="Second.")
    url = f"/engagements/{scene.engagement.id}/entries/hide"
    html = text_of(login_as(scene.lead).get(f"{url}?learner={scene.learner.id}"))
    assert "<h1>Lerneinträge ausblenden</h1>" in html
    assert "2 Einträge von Maria Lopez würden ausgeblendet" in html
    assert "2 Einträge ausblenden</button>" in html
    assert "3 Std. Lernzeit, erfasst vom" in html

    bad = text_of(login_as(scene.lead).get(f"{url}?learner={scene.learner.id}&recorded_from=x"))
    assert (
        error_at(bad, "recorded_from")
        == "Bitte Datum und Uhrzeit angeben, z. B. 01.12.2026, 09:00."
    )


def test_the_range_example_in_english(scene, login_as, db):
    scene.lead.language = "en"
    db.session.commit()
    url = f"/engagements/{scene.engagement.id}/entries/hide"
    html = text_of(login_as(scene.lead).get(f"{url}?learner={scene.learner.id}&recorded_until="))
    assert (
        error_at(html, "recorded_until") == "Enter a date and time, e.g. Dec 1, 2026, 5:30\u202fPM."
    )


def test_days_before_the_engagement_use_the_plural(scene, db):
    from knowtrans.learning import operations

    scene.engagement.start_date = today() - timedelta(days=10)
    db.session.commit()
    details = operations.EntryDetails(
        date=today() - timedelta(days=41),
        activity=Activity.PAIRING,
        minutes=30,
        learned="x",
        evidence_urls=[],
        self_level=None,
        questions=[],
    )
    with pytest.raises(operations.Refused, match=r"\(30 days before the engagement started\)"):
        operations.create_entry(scene.assignment, details, actor=scene.learner)
