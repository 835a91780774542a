"""The engagement pages, the close page and the closing mails speak the reader's language:
a person whose language is German reads them in German, with German dates, in their own
time zone; the cached plan of the engagement page is never shown in the wrong language."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from knowtrans.audit.models import AuditEvent
from knowtrans.closing import tasks
from knowtrans.core import changes
from knowtrans.core.clock import today, utcnow
from knowtrans.core.formatting import format_date, format_datetime, format_percent
from knowtrans.core.i18n import speaking
from knowtrans.engagements.models import EngagementStatus
from knowtrans.engagements.queries import plan_part_key
from knowtrans.extensions import db as _db
from knowtrans.plans.models import Criticality
from knowtrans.reports.models import HandoverReport
from knowtrans.users.models import Role, User


def speaks(user: User, language: str, timezone: str | None = None) -> User:
    user.language = language
    user.timezone = timezone
    _db.session.commit()
    return user


def speaks_elsewhere(user: User, language: str) -> None:
    """Change ``user``'s language on another connection: no change counter is raised, so
    only the cache key can tell the cached plan from one in the other language."""
    with _db.engine.begin() as connection:
        connection.execute(
            sa.update(User.__table__)
            .where(User.__table__.c.id == user.id)
            .values(language=language)
        )
    _db.session.expire_all()


def german(value, formatter, zone="Europe/Berlin") -> str:
    with speaking("de", zone):
        return formatter(value)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def scene(make_user, make_engagement, make_plan_item, make_assignment, make_skill):
    expert = make_user(Role.EXPERT, name="Jonas Weber")
    engagement = make_engagement(expert=expert, title="Platform handover")
    due = today() + timedelta(days=20)
    item = make_plan_item(
        engagement=engagement,
        skill=make_skill("Kubernetes operations"),
        criticality=Criticality.CRITICAL,
        due=due,
    )
    make_assignment(plan_item=item, learner=make_user(Role.STAFF, name="Maria Lopez"))
    cto = speaks(make_user(Role.CTO, name="Helena Brandt"), "de", "Europe/Berlin")
    return {"engagement": engagement, "item": item, "due": due, "cto": cto, "expert": expert}


def test_status_labels_in_both_languages(app):
    with app.test_request_context():
        assert [status.label for status in EngagementStatus] == [
            "Planned",
            "Active",
            "Handover",
            "Closed",
        ]
        with force_locale("de"):
            assert [status.label for status in EngagementStatus] == [
                "Geplant",
                "Aktiv",
                "Übergabe",
                "Abgeschlossen",
            ]


def test_the_engagement_page_is_german_for_a_german_reader(scene, login_as):
    engagement = scene["engagement"]
    html = text(login_as(scene["cto"]).get(f"/engagements/{engagement.id}"))
    for label in (
        "Status: Aktiv",
        "Eckdaten",
        "Auftraggeber",
        "Übergabebereitschaft",
        "Transferplan",
        "Kompetenz",
        "Kritikalität",
        "Lernende zuordnen",
        "Übergabenotizen",
        "Verlauf",
        "Berichtsentwurf herunterladen",
        "Einsatz abschließen…",
    ):
        assert label in html, label
    for english in (
        ">Transfer plan<",
        ">Readiness<",
        ">History<",
        "Assign learner",
        "Status: Active",
    ):
        assert english not in html, english
    assert german(scene["due"], format_date) in html  # e.g. 27.11.2026
    assert f'class="big-number">{german(0, format_percent)}<' in html  # 0 %


def test_the_plan_chips_and_the_history_are_german(scene, login_as, db, app, monkeypatch):
    engagement = scene["engagement"]
    for n in range(12):
        db.session.add(
            AuditEvent(
                actor=scene["cto"],
                action="test.event",
                object_type="engagements",
                object_id=engagement.id,
                engagement_id=engagement.id,
                summary=f"Ereignis {n:02d}",
            )
        )
    db.session.commit()
    browser = login_as(scene["cto"])
    html = text(browser.get(f"/engagements/{engagement.id}"))
    for label in (
        "Ein durchgezogener Rahmen zeigt die bestätigte Stufe",
        '<span class="sr-only">Noch nicht bestätigt</span>',
        '<span class="sr-only">Noch keine Selbsteinschätzung</span>',
        'title="Zielstufe 3 · Kompetent"',
        'aria-label="Phase und Rolle von Maria Lopez für Kubernetes operations"',
        'data-label="Lernende"',
        "Angezeigt werden die letzten 10 Änderungen.",
        ">Vollständiger Verlauf</a>",
        "Je Kompetenz die höchste für interne Lernende bestätigte Stufe im Vergleich zur Zielstufe",
    ):
        assert label in html, label
    for english in ("Full history", "Not confirmed yet", "a dashed box", 'data-label="Learners"'):
        assert english not in html, english

    monkeypatch.setitem(app.config, "PAGE_SIZE", 10)
    history = text(browser.get(f"/engagements/{engagement.id}/history"))
    for label in (
        "<title>Verlauf · Platform handover",
        "<h1>Verlauf</h1>",
        "Änderungen erfasst, die neuesten zuerst.",
        "Seite 1 von 2",
        "Weiter →",
        "Zurück zum Einsatz",
    ):
        assert label in history, label
    assert "changes recorded" not in history


def test_a_status_change_by_a_german_reader_is_told_and_recorded_in_german(scene, login_as, db):
    engagement = scene["engagement"]
    browser = login_as(scene["cto"])
    response = browser.post(
        f"/engagements/{engagement.id}/advance",
        {"current": "active"},
        form_url=f"/engagements/{engagement.id}",
    )
    assert response.status_code == 302
    html = text(browser.get(f"/engagements/{engagement.id}"))
    assert "„Platform handover“ hat jetzt den Status Übergabe." in html
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "engagement.status")
    ).all()
    assert event.summary == "Status von Platform handover: Aktiv → Übergabe"
    assert event.summary in html
    moment = german(event.created_at, format_datetime)
    stamp = event.created_at.isoformat(timespec="seconds")  # valid HTML: no microseconds
    assert f'<time datetime="{stamp}">{moment}</time>' in html


def test_the_list_and_the_form_are_german(scene, login_as):
    browser = login_as(scene["cto"])
    listing = text(browser.get("/engagements"))
    assert "<h1>Einsätze</h1>" in listing
    assert re.search(r'<option[^>]*value="all"[^>]*>Alle</option>', listing)
    assert re.search(r'<option[^>]*value="handover"[^>]*>Übergabe</option>', listing)
    assert "Filter zurücksetzen" not in listing  # nothing filtered yet
    engagement = scene["engagement"]
    form = text(browser.get(f"/engagements/{engagement.id}/edit"))
    assert "Platform handover bearbeiten" in form
    assert "Geplantes Ende" in form
    assert "Änderungen speichern" in form


def test_a_refused_date_is_explained_in_german(scene, login_as):
    engagement, due = scene["engagement"], scene["due"]
    response = login_as(scene["cto"]).post(
        f"/engagements/{engagement.id}/edit",
        {
            "title": engagement.title,
            "expert_id": str(engagement.expert_id),
            "client": engagement.client,
            "project": engagement.project,
            "start_date": engagement.start_date.isoformat(),
            "planned_end_date": (due - timedelta(days=1)).isoformat(),
            "objectives": engagement.objectives,
            "version": str(engagement.version),
        },
    )
    html = text(response)
    expected = (
        f"Ein Planpunkt ist am {german(due, format_date)} fällig; das geplante Ende kann "
        "nicht früher liegen. Verschieben Sie zuerst dieses Fälligkeitsdatum."
    )
    assert expected in html


def test_the_close_page_is_german_for_a_german_reader(scene, login_as, db):
    engagement = scene["engagement"]
    browser = login_as(scene["cto"])
    html = text(browser.get(f"/engagements/{engagement.id}/close"))
    for label in (
        "<h1>Einsatz abschließen</h1>",
        "Nicht abgedeckte Planpunkte",
        "Kritisch und nicht abgedeckt",
        "Begründung",
        "Pflichtangabe: 1 kritischer Planpunkt ist nicht abgedeckt.",
        "Abschließen und Abschlussbericht erstellen",
        "Dieses Wissen verlässt das Unternehmen mit Jonas Weber",
    ):
        assert label in html, label
    assert "Close the engagement" not in html
    refused = text(browser.post(f"/engagements/{engagement.id}/close", {"confirm": "y"}))
    assert "1 kritischer Planpunkt ist nicht abgedeckt: Begründen Sie" in refused
    assert "Setzen Sie dieses Häkchen" in text(
        browser.post(f"/engagements/{engagement.id}/close", {"justification": "x" * 30})
    )


def close(browser, engagement):
    page = f"/engagements/{engagement.id}"
    return browser.post(
        f"{page}/close",
        {"justification": "Runbook R-12 covers it; Tom takes it over.", "confirm": "y"},
        form_url=f"{page}/close",
    )


def test_a_german_reader_who_closed_gets_a_german_mail(scene, login_as, outbox, db):
    engagement = scene["engagement"]
    browser = login_as(scene["cto"])
    assert close(browser, engagement).status_code == 302
    db.session.expire_all()
    assert engagement.status is EngagementStatus.CLOSED
    [message] = outbox
    assert message.subject == "Abgeschlossen: Platform handover"
    body = message.body
    assert body.startswith("Guten Tag Helena Brandt,\n\n")
    closed_at = german(engagement.closed_at, format_datetime)
    assert f"der Einsatz „Platform handover“ wurde am {closed_at} abgeschlossen." in body
    report = db.session.scalars(sa.select(HandoverReport)).one()
    pages = "Seite" if report.page_count == 1 else "Seiten"
    assert f"  {report.identifier}, {report.page_count} {pages}\n" in body
    assert "Sie erhalten diese Nachricht, weil Sie den Abschluss" in body
    assert "Hello" not in body
    assert "pages" not in body
    # the closed engagement's page and history, in German too
    html = text(browser.get(f"/engagements/{engagement.id}"))
    assert f"Abgeschlossen am {closed_at}: Der Einsatz ist schreibgeschützt" in html
    assert "Einsatz abgeschlossen; Abschlussbericht" in html


def test_the_mail_follows_the_recipient_not_the_job(scene, outbox, db):
    """The worker has no request: the mail is in the language and time zone of who asked."""
    engagement, cto = scene["engagement"], speaks(scene["cto"], "de", "Asia/Tokyo")
    engagement.close_justification = "Runbook R-12 covers it; Tom takes it over."
    engagement.closing_requested_at = utcnow()
    engagement.closing_requested_by = cto
    db.session.commit()
    tasks.close_engagement(engagement.id)
    db.session.expire_all()
    assert engagement.status is EngagementStatus.CLOSED
    [message] = outbox
    assert message.subject == "Abgeschlossen: Platform handover"
    tokyo = german(engagement.closed_at, format_datetime, zone="Asia/Tokyo")
    assert f"wurde am {tokyo} abgeschlossen" in message.body
    summary = db.session.scalar(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "engagement.close")
    )
    assert summary.startswith("Einsatz abgeschlossen; Abschlussbericht ")


def test_a_german_reader_learns_in_german_why_it_did_not_close(
    scene, login_as, outbox, db, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr("knowtrans.reports.build.build_report", broken)
    engagement = scene["engagement"]
    browser = login_as(scene["cto"])
    assert close(browser, engagement).status_code == 302
    [message] = outbox
    assert message.subject == "Nicht abgeschlossen: Platform handover"
    assert "Der Abschlussbericht konnte nicht erstellt werden" in message.body
    assert "wählen Sie „Erneut abschließen“" in message.body
    html = text(browser.get(f"/engagements/{engagement.id}"))
    assert "Abschluss fehlgeschlagen; es wurde nichts abgeschlossen</h2>" in html
    assert ">Erneut abschließen</button>" in html


def test_an_english_reader_still_gets_english(scene, login_as, outbox, db):
    cto = speaks(scene["cto"], "en")
    browser = login_as(cto)
    html = text(browser.get(f"/engagements/{scene['engagement'].id}"))
    assert "Transfer plan" in html
    assert "Transferplan" not in html
    assert close(browser, scene["engagement"]).status_code == 302
    [message] = outbox
    assert message.subject == "Closed: Platform handover"
    assert message.body.startswith("Hello Helena Brandt,")


# --- the cached plan --------------------------------------------------------------------


def test_a_german_viewer_never_gets_the_english_cached_plan_and_back(scene, login_as, db):
    engagement, cto = scene["engagement"], speaks(scene["cto"], "en")
    browser = login_as(cto)
    url = f"/engagements/{engagement.id}"
    counters = changes.generations(engagement.id)
    assert "Transfer plan" in text(browser.get(url))
    speaks_elsewhere(cto, "de")
    assert changes.generations(engagement.id) == counters  # only the key can tell
    german_page = text(browser.get(url))
    assert "Transferplan" in german_page
    assert "Transfer plan" not in german_page
    assert "Assign learner" not in german_page
    speaks_elsewhere(cto, "en")
    english_page = text(browser.get(url))  # the English part, kept from the first view
    assert "Transfer plan" in english_page
    assert "Transferplan" not in english_page


def test_the_plan_key_names_the_language_and_the_time_zone(scene, app):
    engagement_id, viewer = scene["engagement"].id, scene["cto"].id
    keys = set()
    for language, zone in [
        ("en", "UTC"),
        ("de", "UTC"),
        ("de", "Europe/Berlin"),
        ("en", "Asia/Tokyo"),
    ]:
        with speaking(language, zone):
            keys.add(plan_part_key(engagement_id, viewer))
            assert plan_part_key(engagement_id, viewer) in keys  # stable within one setting
    assert len(keys) == 4
