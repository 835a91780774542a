"""The report in the language and time zone of the person it is written for: a draft in the
requester's (one draft per language and zone), the final in the closer's, the command line's
``--language``; the build and archive pages in the reader's language."""

import io
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from knowtrans import ROOT
from knowtrans.reports import tasks
from knowtrans.reports.build import build_report, draft_key, draft_stamp
from knowtrans.reports.chart import ChartRow, readiness_chart_svg
from knowtrans.reports.models import BuildStatus, HandoverReport, ReportBuild
from knowtrans.reports.render import css_content, css_string
from knowtrans.users.models import Role
from tests.conftest import row_count

TRANSLATIONS = ROOT / "knowtrans" / "translations"
#: headings of the German report (and what must not be in it)
GERMAN = ("1 Zusammenfassung", "2 Abdeckungsmatrix", "3 Kompetenzen", "5 Abnahme")
ENGLISH = ("1 Summary", "2 Coverage matrix", "3 Skills", "5 Sign-off")


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def german(app):
    """The compiled German catalogue (the install step builds it; tests/test_translations.py
    proves it current)."""
    with app.test_request_context(), force_locale("de"):
        assert gettext("Readiness") != "Readiness", "the German catalogue is not compiled"


@pytest.fixture
def setup(db, make_user, make_engagement, make_plan_item, make_assignment, make_entry):
    expert = make_user(Role.EXPERT, name="Jonas Weber")
    engagement = make_engagement(expert=expert, title="Platform handover")
    assignment = make_assignment(plan_item=make_plan_item(engagement=engagement))
    make_entry(assignment, learned="Rotated the etcd certificates.")
    german_cto = make_user(Role.CTO, name="Helena Brandt")
    german_cto.language, german_cto.timezone = "de", "Europe/Berlin"
    english_lead = make_user(Role.IT_LEAD, name="Markus Klein")
    english_lead.timezone = "America/New_York"
    db.session.commit()
    return {"engagement": engagement, "de": german_cto, "en": english_lead}


def ask(browser, engagement):
    page = f"/engagements/{engagement.id}"
    return browser.post(f"{page}/report/draft", form_url=page)


def test_a_german_draft_reads_german_and_an_english_one_english(german, setup):
    moment = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)
    engagement = setup["engagement"]
    german_draft = build_report(
        engagement.id, final=False, generated_by=setup["de"], generated_at=moment
    )
    english_draft = build_report(
        engagement.id, final=False, generated_by=setup["en"], generated_at=moment
    )
    text = pdf_text(german_draft.pdf)

    assert (german_draft.language, german_draft.timezone) == ("de", "Europe/Berlin")
    for heading in GERMAN:
        assert heading in text
    assert "Anhang: Schulungsnachweis" in text
    assert "Übergabebereitschaft" in text
    assert "ENTWURF" in text
    assert "Seite 2 von" in text
    assert "27.11.2026, 11:15 von Helena Brandt" in text  # German format, Berlin time
    for heading in ENGLISH:
        assert heading not in text
    metadata = PdfReader(io.BytesIO(german_draft.pdf)).metadata
    assert metadata.title == "Berichtsentwurf der Übergabe: Platform handover"

    text = pdf_text(english_draft.pdf)
    assert english_draft.language == "en"
    for heading in ENGLISH:
        assert heading in text
    assert "Nov 27, 2026, 5:15 AM by Markus Klein" in text  # New York time
    assert "Page 2 of" in text
    for heading in GERMAN:
        assert heading not in text


def test_a_final_report_is_written_in_the_language_of_who_closes(german, setup):
    built = build_report(setup["engagement"].id, final=True, generated_by=setup["de"])
    text = pdf_text(built.pdf)

    assert built.language == "de"
    assert "Abschlussbericht" in text
    assert "Hat den Einsatz abgeschlossen" in text
    assert "ENTWURF" not in text


def test_closing_archives_the_final_in_the_language_of_who_closes(german, setup, db):
    from knowtrans.closing.operations import close_engagement

    report = close_engagement(
        setup["engagement"], justification="Handed over as planned.", actor=setup["de"]
    )
    db.session.commit()

    text = pdf_text(report.pdf)
    assert "1 Zusammenfassung" in text
    assert "Hat den Einsatz abgeschlossen" in text
    assert report.language == "de"  # the archive records it


def test_a_german_and_an_english_request_are_two_drafts(german, setup, login_as, make_user, db):
    engagement = setup["engagement"]
    first = ask(login_as(setup["de"]), engagement)
    second = ask(login_as(setup["en"]), engagement)

    assert first.status_code == second.status_code == 303  # each a build of its own
    builds = db.session.scalars(sa.select(ReportBuild).order_by(ReportBuild.id)).all()
    assert [(b.language, b.timezone) for b in builds] == [
        ("de", "Europe/Berlin"),
        ("en", "America/New_York"),
    ]
    assert builds[0].data_key != builds[1].data_key
    assert builds[0].stamp != builds[1].stamp
    assert "Zusammenfassung" in pdf_text(builds[0].pdf)
    assert "Zusammenfassung" not in pdf_text(builds[1].pdf)

    another_german = make_user(Role.IT_LEAD)  # the company's zone: Europe/Berlin
    another_german.language = "de"
    db.session.commit()
    again = ask(login_as(another_german), engagement)
    assert again.mimetype == "application/pdf"  # the German draft at once
    assert row_count(ReportBuild) == 2


def test_the_draft_key_and_stamp_depend_on_language_and_time_zone(setup):
    engagement_id, day = setup["engagement"].id, date(2026, 11, 27)
    keys = {
        draft_key(engagement_id, day, language, zone)
        for language in ("en", "de")
        for zone in ("UTC", "Europe/Berlin")
    }
    stamps = {
        draft_stamp(engagement_id, day, language, zone)
        for language in ("en", "de")
        for zone in ("UTC", "Europe/Berlin")
    }
    assert len(keys) == len(stamps) == 4


def test_the_worker_builds_in_the_language_of_the_build(german, setup, db):
    build = ReportBuild(
        engagement=setup["engagement"],
        data_key="a" * 64,
        requested_by=setup["en"],  # who asked in German then, and has changed since
        language="de",
        timezone="Europe/Berlin",
    )
    db.session.add(build)
    db.session.commit()

    result = tasks.build_draft.call_local(build.id)
    db.session.expire_all()

    assert result["language"] == "de"
    assert build.status is BuildStatus.READY
    text = pdf_text(build.pdf)
    assert "1 Zusammenfassung" in text
    assert "1 Summary" not in text


def test_a_failure_is_told_in_the_language_of_the_build(german, setup, db, monkeypatch):
    from knowtrans.reports import build as build_module

    def broken(*args, **kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr(build_module, "build_report", broken)
    build = ReportBuild(
        engagement=setup["engagement"],
        data_key="b" * 64,
        requested_by=setup["de"],
        language="de",
    )
    db.session.add(build)
    db.session.commit()
    tasks.build_draft.call_local(build.id)
    db.session.expire_all()

    assert build.status is BuildStatus.FAILED
    assert build.error.startswith("Der Bericht konnte nicht gesetzt werden.")


def test_the_build_page_speaks_the_readers_language(german, setup, login_as):
    browser = login_as(setup["de"])
    page = browser.get(ask(browser, setup["engagement"]).headers["Location"])
    html = page.get_data(as_text=True)

    assert "Berichtsentwurf herunterladen (PDF)" in html
    assert "erstellt für Helena Brandt" in html
    assert "Deutsch" in html  # the draft's language


def test_the_archive_shows_each_final_reports_language(german, setup, login_as, db):
    engagement = setup["engagement"]
    built = build_report(engagement.id, final=True, generated_by=setup["de"])
    db.session.add(
        HandoverReport(
            engagement=engagement,
            identifier=built.identifier,
            generated_by=setup["de"],
            page_count=built.page_count,
            language=built.language,
            sha256=built.sha256,
            size=len(built.pdf),
            pdf=built.pdf,
        )
    )
    db.session.commit()

    english = login_as(setup["en"]).get("/reports").get_data(as_text=True)
    assert '<th scope="col">Language</th>' in english
    assert '<td lang="de" data-label="Language">Deutsch</td>' in english
    german_page = login_as(setup["de"]).get("/reports").get_data(as_text=True)
    assert "Berichtsarchiv" in german_page
    assert "Abschlussbericht (PDF," in german_page


def test_the_report_command_writes_a_draft_in_the_language_asked_for(german, app, setup, tmp_path):
    out = tmp_path / "draft.pdf"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["report", str(setup["engagement"].id), "--out", str(out), "--language", "de"]
    )
    assert result.exit_code == 0, result.output
    assert "1 Zusammenfassung" in pdf_text(out.read_bytes())

    result = runner.invoke(args=["report", str(setup["engagement"].id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 Summary" in pdf_text(out.read_bytes())  # English by default


def test_the_readiness_chart_speaks_the_readers_language(german, app):
    rows = [ChartRow(skill="Kafka", target=4, confirmed=2, covered=False, at_risk=True)]
    with app.test_request_context(), force_locale("de"):
        svg = str(readiness_chart_svg(rows))
    assert "2 von 4" in svg
    assert "gefährdet" in svg
    assert "Stufe 1 Einsteiger – 5 Experte" in svg


def test_running_texts_become_css_strings_with_page_counters():
    assert css_content("Seite %(page)s von %(pages)s") == (
        '"Seite " counter(page) " von " counter(pages)'
    )
    # nothing a translation holds can end the string or the style element
    assert css_string('a"b</style>\\') == '"a\\22 b\\3c \\2f style\\3e \\5c "'
