"""The handover report: content, PDF structure, the readiness chart and the URL fetcher."""

import builtins
import hashlib
import io
import re
import socket
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from knowtrans.core.clock import today, utcnow
from knowtrans.engagements.models import EngagementStatus
from knowtrans.learning.models import EvidenceLink, OpenQuestion
from knowtrans.plans.models import Criticality, LearnerRole, Phase
from knowtrans.reports import render
from knowtrans.reports.build import build_report, report_filename, report_identifier
from knowtrans.reports.chart import ChartRow, readiness_chart_svg
from knowtrans.reports.data import EngagementNotFound, gather_report_data
from knowtrans.reports.fetcher import ReportURLFetcher, asset_url
from knowtrans.reports.render import html_to_pdf
from knowtrans.users.models import Role

SECTIONS = (
    "1 Summary",
    "2 Coverage matrix",
    "3 Skills",
    "4 Risks and open items",
    "5 Sign-off",
    "Appendix: Learning log",
)
ENTRY_TEXT = "Rotated the etcd certificates on staging with Jonas watching."
HOSTILE = (
    "Notes.\n\n"
    "![x](file:///etc/passwd)\n\n"
    '<img src="http://169.254.169.254/latest/meta-data/">\n\n'
    '<link rel="attachment" href="file:///etc/hostname">\n\n'
    '<link rel="stylesheet" href="https://example.com/evil.css">\n\n'
    '<iframe src="file:///etc/passwd"></iframe>\n\n'
    '<object data="file:///etc/passwd"></object>\n\n'
    '<a href="file:///etc/passwd" rel="attachment">passwd</a>\n\n'
    '<svg><image href="file:///etc/passwd"/></svg>\n\n'
    '<p style="background: url(file:///etc/passwd)">styled</p>\n\n'
    "<script>alert(1)</script>"
)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def outline_titles(outline) -> list[str]:
    titles = []
    for node in outline:
        if isinstance(node, list):
            titles.extend(outline_titles(node))
        else:
            titles.append(node.title)
    return titles


@pytest.fixture
def people(make_user):
    return {
        "expert": make_user(Role.EXPERT, name="Jonas Weber"),
        "it_lead": make_user(Role.IT_LEAD, name="Markus Klein"),
        "cto": make_user(Role.CTO, name="Helena Brandt"),
        "maria": make_user(Role.STAFF, name="Maria Lopez"),
        "tom": make_user(Role.STAFF, name="Tom Becker"),
    }


@pytest.fixture
def engagement(
    db,
    people,
    make_engagement,
    make_skill,
    make_plan_item,
    make_assignment,
    make_entry,
    make_confirmation,
):
    """Two critical skills: one covered by Maria, one where Tom is still below target."""
    engagement = make_engagement(expert=people["expert"], title="Kubernetes platform handover")
    covered = make_plan_item(
        engagement=engagement,
        skill=make_skill("Kubernetes operations"),
        target_level=3,
        criticality=Criticality.CRITICAL,
    )
    covered.handover_notes = "## Where things live\n\nRunbooks in `platform/runbooks`."
    uncovered = make_plan_item(
        engagement=engagement,
        skill=make_skill("ArgoCD GitOps", category="CI/CD"),
        target_level=4,
        criticality=Criticality.CRITICAL,
        due=today() + timedelta(days=5),
    )
    maria = make_assignment(covered, people["maria"], phase=Phase.SIGNED_OFF)
    tom = make_assignment(uncovered, people["tom"], role=LearnerRole.BACKUP)
    entry = make_entry(maria, minutes=90, learned=ENTRY_TEXT, self_level=4)
    entry.evidence_links.append(EvidenceLink(url="https://wiki.example.internal/runbooks/etcd"))
    entry.questions.append(OpenQuestion(text="Who approves the payments PDB change?"))
    make_entry(tom, minutes=45, learned="Walked through the *app-of-apps* layout.", self_level=2)
    make_confirmation(maria, 3, people["expert"], comment="Ran the upgrade alone.")
    make_confirmation(tom, 2, people["it_lead"])
    db.session.commit()
    return engagement


def close(db, engagement, justification="ArgoCD stays with the vendor's support contract."):
    engagement.status = EngagementStatus.CLOSED
    engagement.closed_at = utcnow()
    engagement.close_justification = justification
    db.session.flush()


# --- content -------------------------------------------------------------------------------


def test_draft_report_has_every_section_the_entries_and_a_draft_mark(engagement, people):
    report = build_report(engagement.id, final=False, generated_by=people["it_lead"])
    reader = PdfReader(io.BytesIO(report.pdf))
    text = pdf_text(report.pdf)

    assert report.pdf.startswith(b"%PDF-")
    assert report.page_count == len(reader.pages)
    assert report.page_count >= 2
    for section in SECTIONS:
        assert section in text
    assert ENTRY_TEXT in text
    assert "Who approves the payments PDB change?" in text
    assert "https://wiki.example.internal/runbooks/etcd" in text
    assert "Ran the upgrade alone." in text
    assert "DRAFT" in text
    assert report.identifier.startswith(f"KT-{engagement.id:05d}-D-")
    assert report.identifier in text
    assert "Page 2 of" in text


def test_report_shows_readiness_matrix_and_recommended_follow_up(engagement, people):
    text = pdf_text(build_report(engagement.id, final=False, generated_by=people["it_lead"]).pdf)

    assert "Jonas Weber" in text
    assert "Markus Klein" in text
    # covered weight 5 of 10: the critical Kubernetes item is covered, ArgoCD is not
    assert "50 %" in text
    assert "3 / self 4" in text  # Maria: confirmed 3, self-assessed 4
    assert "2 / self 2" in text  # Tom: confirmed 2 of target 4
    assert "Tom Becker is confirmed at level 2 of 4" in text
    assert "at risk" in text
    assert "Bus factor" in text


def test_levels_of_learners_who_left_or_are_external_do_not_cover(
    db, engagement, people, make_user, make_assignment, make_confirmation
):
    uncovered = engagement.plan_items[1]  # ArgoCD GitOps, target 4
    gone = make_assignment(uncovered, make_user(Role.STAFF, name="Lena Left", active=False))
    contractor = make_assignment(uncovered, make_user(Role.EXPERT, name="Carl Contractor"))
    make_confirmation(gone, 5, people["expert"])
    make_confirmation(contractor, 5, people["expert"])

    data = gather_report_data(
        engagement.id,
        final=False,
        generated_by=people["it_lead"],
        generated_at=utcnow(),
        identifier="KT-test",
    )
    argocd = next(item for item in data.items if item.skill == "ArgoCD GitOps")

    assert not argocd.covered
    assert argocd.best_confirmed == 2
    assert {learner.name: learner.standing for learner in argocd.learners} == {
        "Tom Becker": "",
        "Lena Left": "left",
        "Carl Contractor": "external",
    }
    assert "Lena Left (left)" in data.matrix[0].learners
    # in the matrix their level is shown struck through, never as meeting the target
    part = data.matrix[0]
    row = next(row for row in part.rows if row.skill == "ArgoCD GitOps")
    states = dict(zip(part.learners, (cell.state for cell in row.cells), strict=True))
    assert states["Lena Left (left)"] == "uncounted"
    assert states["Carl Contractor (external)"] == "uncounted"
    assert data.matrix_uncounted
    text = pdf_text(html_to_pdf(render.render_html(data))[0])
    assert "left the company or external: does not count" in text


def test_final_report_has_no_draft_mark_and_shows_the_close_justification(db, engagement, people):
    close(db, engagement)
    report = build_report(engagement.id, final=True, generated_by=people["cto"])
    text = pdf_text(report.pdf)

    assert "DRAFT" not in text
    assert "Final report" in text
    assert "ArgoCD stays with the vendor's support contract." in text
    assert "Closed" in text
    assert report.identifier.startswith(f"KT-{engagement.id:05d}-F-")
    assert report.identifier in text
    assert "The engagement is closed" in text  # follow-up wording after closing


def test_bookmarks_cover_every_section_and_skill(engagement, people):
    report = build_report(engagement.id, final=False, generated_by=people["it_lead"])
    titles = outline_titles(PdfReader(io.BytesIO(report.pdf)).outline)

    for section in SECTIONS:
        assert section in titles
    for skill in ("Kubernetes operations", "ArgoCD GitOps"):
        assert any(skill in title for title in titles)
    # headings inside user-written Markdown are not bookmarks
    assert "Where things live" not in titles


def test_metadata_names_title_author_subject_and_creation_date(engagement, people):
    moment = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)
    report = build_report(
        engagement.id, final=False, generated_by=people["it_lead"], generated_at=moment
    )
    metadata = PdfReader(io.BytesIO(report.pdf)).metadata

    assert report.identifier == f"KT-{engagement.id:05d}-D-20261127T101500Z"
    assert metadata.title == "Draft handover report: Kubernetes platform handover"
    assert metadata.author == "Markus Klein"
    assert "handover report" in metadata.subject
    assert report.identifier in metadata.subject
    assert metadata.creation_date == moment


def test_table_of_contents_has_page_numbers(engagement, people):
    report = build_report(engagement.id, final=False, generated_by=people["it_lead"])
    contents = PdfReader(io.BytesIO(report.pdf)).pages[1].extract_text()

    assert "Contents" in contents
    for section in SECTIONS:
        assert re.search(re.escape(section) + r"[ .]*\d+", contents), section
    assert re.search(r"Kubernetes operations[ .]*\d+", contents)


def test_sha256_is_of_the_pdf(engagement, people):
    report = build_report(engagement.id, final=False, generated_by=people["it_lead"])
    assert report.sha256 == hashlib.sha256(report.pdf).hexdigest()


def test_empty_plan_gives_a_report_that_says_so(make_engagement, people):
    engagement = make_engagement(expert=people["expert"])
    report = build_report(engagement.id, final=False, generated_by=people["cto"])
    text = pdf_text(report.pdf)

    assert report.page_count >= 2
    assert "The transfer plan lists no skills yet" in text
    assert "No learning entries have been recorded yet." in text


def test_unknown_engagement_raises(db, people):
    with pytest.raises(EngagementNotFound):
        build_report(987654, final=False, generated_by=people["cto"])


def test_identifier_and_filename():
    moment = datetime(2026, 11, 27, 11, 15, tzinfo=UTC)

    class Stub:
        id = 7
        title = "Kubernetes Plattform-Übergabe: Ops & On-call!"

    assert report_identifier(7, True, moment) == "KT-00007-F-20261127T111500Z"
    assert report_identifier(7, False, moment.replace(tzinfo=None)) == (
        "KT-00007-D-20261127T111500Z"
    )
    assert report_filename(Stub, False, moment) == (
        "knowtrans-handover-kubernetes-plattform-ubergabe-ops-on-call-draft-2026-11-27.pdf"
    )
    Stub.title = "Кубернетес"
    assert report_filename(Stub, True, moment) == (
        "knowtrans-handover-engagement-7-final-2026-11-27.pdf"
    )


def test_gathering_uses_a_bounded_number_of_queries(
    db,
    engagement,
    people,
    make_plan_item,
    make_assignment,
    make_entry,
    make_confirmation,
    make_user,
    count_queries,
):
    engagement_id = engagement.id

    def queries() -> int:
        db.session.expire_all()
        with count_queries() as statements:
            gather_report_data(
                engagement_id,
                final=False,
                generated_by=people["it_lead"],
                generated_at=utcnow(),
                identifier="KT-test",
            )
        return len(statements)

    before = queries()
    for _ in range(3):
        item = make_plan_item(engagement=engagement)
        for _ in range(2):
            assignment = make_assignment(item, make_user(Role.STAFF))
            entry = make_entry(assignment)
            entry.questions.append(OpenQuestion(text="Why?"))
            db.session.commit()
            make_confirmation(assignment, 2, people["expert"])
    db.session.commit()
    assert queries() == before


# --- rendering fetches nothing but the report's own assets ---------------------------------


@pytest.fixture
def network_attempts(monkeypatch):
    """Record (and block) every attempt to open a socket, resolve a name or read /etc."""
    attempts: list[str] = []

    def refuse(name):
        def _refuse(*args, **kwargs):
            attempts.append(f"{name}{args[:2]!r}")
            raise OSError("network access during a test")

        return _refuse

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse("urlopen"))
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if str(file).startswith("/etc/"):
            attempts.append(f"open({file!r})")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    return attempts


@pytest.fixture
def fetchers(monkeypatch):
    """Every fetcher the renderer creates, to inspect what it served and refused."""
    created: list[ReportURLFetcher] = []

    class RecordingFetcher(ReportURLFetcher):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(render, "ReportURLFetcher", RecordingFetcher)
    return created


def test_hostile_markdown_and_notes_load_nothing(
    db, engagement, people, make_entry, network_attempts, fetchers
):
    item = engagement.plan_items[0]
    item.handover_notes = HOSTILE
    make_entry(item.assignments[0], learned=HOSTILE)
    db.session.commit()

    report = build_report(engagement.id, final=False, generated_by=people["it_lead"])
    reader = PdfReader(io.BytesIO(report.pdf))
    text = pdf_text(report.pdf)

    assert network_attempts == []
    assert "root:x:0:0" not in text
    assert "alert(1)" not in text
    assert reader.attachments == {}
    (fetcher,) = fetchers
    assert fetcher.served == [asset_url("print.css")]
    assert "Notes." in text  # the harmless part of the text survives


def test_raw_hostile_html_is_refused_by_the_fetcher(network_attempts):
    """Defence in depth: even unsanitised HTML reaching WeasyPrint loads nothing."""
    html = (
        f'<html><head><link rel="stylesheet" href="{asset_url("print.css")}">'
        '<link rel="stylesheet" href="https://example.com/x.css">'
        '<link rel="attachment" href="file:///etc/hostname">'
        '<style>@import url("http://127.0.0.1/internal.css");</style></head><body>'
        '<p>Body text</p><img src="file:///etc/passwd"><img src="http://169.254.169.254/">'
        '<img src="knowtrans-report:../config.py">'
        '<a rel="attachment" href="file:///etc/passwd">x</a>'
        '<p style="background: url(ftp://example.com/x.png)">bg</p>'
        "</body></html>"
    )
    fetcher = ReportURLFetcher()
    pdf, pages = html_to_pdf(html, fetcher)
    reader = PdfReader(io.BytesIO(pdf))

    assert pages == 1
    assert "Body text" in reader.pages[0].extract_text()
    assert "root:x:0:0" not in pdf_text(pdf)
    assert reader.attachments == {}
    assert network_attempts == []
    assert fetcher.served == [asset_url("print.css")]
    for url in (
        "https://example.com/x.css",
        "file:///etc/hostname",
        "http://127.0.0.1/internal.css",
        "file:///etc/passwd",
        "http://169.254.169.254/",
        "ftp://example.com/x.png",
    ):
        assert url in fetcher.refused


def test_fetcher_serves_its_own_stylesheet():
    fetcher = ReportURLFetcher()
    response = fetcher.fetch(asset_url("print.css"))

    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    assert fetcher.served == [asset_url("print.css")]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "http://127.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/x.css",
        "ftp://example.com/x.css",
        "data:text/css,body{color:red}",
        "data:image/png;base64,iVBORw0KGgo=",
        "print.css",
        "/etc/passwd",
        "knowtrans-report:../config.py",
        "knowtrans-report:%2e%2e/config.py",
        "knowtrans-report:..%2Fconfig.py",
        "knowtrans-report:partials/../../config.py",
        "knowtrans-report:/etc/passwd",
        "knowtrans-report:%2Fetc%2Fpasswd",
        "knowtrans-report://evil.example/print.css",
        "knowtrans-report:print.css?x=1",
        "knowtrans-report:print.css#x",
        "knowtrans-report:handover.html",
        "knowtrans-report:partials/summary.html",
        "knowtrans-report:missing.css",
        "knowtrans-report:print.css\\..\\..\\config.py",
        "knowtrans-report:print.css%00.png",
        "knowtrans-reportx:print.css",
    ],
)
def test_fetcher_refuses_everything_else(url):
    fetcher = ReportURLFetcher()
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]
    assert fetcher.served == []


def test_fetcher_refuses_a_symlink_out_of_its_folder(tmp_path):
    (tmp_path / "ok.css").write_text("p { color: black }")
    (tmp_path / "escape.css").symlink_to("/etc/passwd")
    fetcher = ReportURLFetcher(tmp_path)

    assert fetcher.fetch(asset_url("ok.css")).read() == b"p { color: black }"
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(asset_url("escape.css"))


# --- the readiness chart -------------------------------------------------------------------


def test_chart_shows_skills_levels_and_targets_as_valid_svg():
    svg = readiness_chart_svg(
        [
            ChartRow("Kubernetes operations", target=4, confirmed=4, covered=True),
            ChartRow("ArgoCD GitOps", target=3, confirmed=2, covered=False, at_risk=True),
            ChartRow('Helm <charts> & "templates"', target=2, confirmed=None, covered=False),
        ]
    )
    root = ET.fromstring(str(svg))
    texts = " ".join("".join(node.itertext()) for node in root.iter())

    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert "1 of 3 skills reach their target" in root.get("aria-label")
    assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert root.find("{http://www.w3.org/2000/svg}desc") is not None
    assert "Kubernetes operations" in texts
    assert "ArgoCD GitOps" in texts
    assert 'Helm <charts> & "templates"' in texts  # escaped in the markup, intact as text
    assert "4 of 4" in texts
    assert "2 of 3" in texts
    assert "none of 2" in texts
    assert "at risk" in texts
    assert "below target" in texts


def test_chart_puts_a_long_skill_name_on_two_lines_instead_of_cutting_it():
    name = "pgBackRest backup and restore drills"
    svg = readiness_chart_svg([ChartRow(name, target=3, confirmed=1, covered=False)])
    root = ET.fromstring(str(svg))
    label = next(
        node
        for node in root.iter("{http://www.w3.org/2000/svg}text")
        if "pgBackRest" in "".join(node.itertext())
    )
    lines = ["".join(span.itertext()) for span in label]
    assert len(lines) == 2
    assert " ".join(lines) == name
    assert "…" not in " ".join(lines)


def test_chart_of_an_empty_plan_is_empty():
    assert readiness_chart_svg([]) == ""


def test_engagement_page_shows_the_readiness_chart(engagement, people, login_as):
    page = login_as(people["cto"]).get(f"/engagements/{engagement.id}")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "Readiness by skill" in html
    assert 'role="img"' in html
    assert "Kubernetes operations" in html
    assert "2 of 4" in html
