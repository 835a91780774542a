"""How the report is laid out: the lean user-agent stylesheet and its equivalence."""

import gc
import io
import threading
import tomllib
from importlib import resources

import pytest
import tinycss2
import weasyprint
from pypdf import PdfReader
from weasyprint import HTML

from knowtrans import ROOT
from knowtrans.core import heap
from knowtrans.core.clock import utcnow
from knowtrans.plans.models import Phase
from knowtrans.reports import data as data_module
from knowtrans.reports.data import gather_report_data
from knowtrans.reports.fetcher import BASE_URL, ReportURLFetcher, asset_url
from knowtrans.reports.render import (
    WEASYPRINT_MAJOR,
    ReportHTML,
    UnexpectedUserAgentStylesheet,
    html_to_pdf,
    lean_user_agent_css,
    render_html,
)
from knowtrans.users.models import Role

STOCK = (resources.files("weasyprint.css") / "html5_ua.css").read_text("utf-8")


def selectors(css: str) -> list[str]:
    return [
        tinycss2.serialize(rule.prelude).strip()
        for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        if rule.type == "qualified-rule"
    ]


def test_lean_stylesheet_scopes_markers_to_list_items_and_drops_notes():
    stock, lean = selectors(STOCK), selectors(lean_user_agent_css(STOCK))

    assert "::marker" in stock
    assert "::footnote-call" in stock
    assert [s for s in lean if s.startswith("::")] == []
    assert "li::marker" in lean
    dropped = set(stock) - set(lean)
    assert dropped == {
        "::marker",
        "::footnote-call",
        "::footnote-marker",
        "::note-call",
        "::note-marker",
        "::note-callback",
    }
    assert len(lean) == len(stock) - 5


@pytest.mark.parametrize(
    "css",
    ["::marker { color: red } ::selection { color: blue }", "p { color: red }"],
    ids=["an unknown pseudo-element for every element", "no marker rule"],
)
def test_an_unexpected_stock_stylesheet_is_refused(css):
    with pytest.raises(UnexpectedUserAgentStylesheet):
        lean_user_agent_css(css)


def test_report_layout_goes_through_the_lean_stylesheet(monkeypatch):
    calls = []
    original = ReportHTML._ua_stylesheets

    def spy(self, forms=False):
        calls.append(forms)
        return original(self, forms)

    monkeypatch.setattr(ReportHTML, "_ua_stylesheets", spy)
    pdf, _ = html_to_pdf("<ol><li>First step</li><li>Second step</li></ol>")

    assert calls, "WeasyPrint no longer asks HTML._ua_stylesheets for its stylesheet"
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for shown in ("First step", "Second step", "1.", "2."):  # the list markers are still drawn
        assert shown in text


def test_the_installed_weasyprint_is_the_one_the_archived_reports_were_laid_out_with():
    installed = int(weasyprint.__version__.split(".")[0])
    assert installed == WEASYPRINT_MAJOR, (
        f"WeasyPrint {weasyprint.__version__} is installed, the reports are laid out for "
        f"{WEASYPRINT_MAJOR}: check ReportHTML's hook and the page counts, then move the pin"
    )
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    pins = [d for d in pyproject["project"]["dependencies"] if d.startswith("weasyprint")]
    assert pins == [f"weasyprint>={WEASYPRINT_MAJOR}.0,<{WEASYPRINT_MAJOR + 1}"]


@pytest.fixture
def report_html(db, make_user, make_engagement, make_skill, make_plan_item, make_assignment):
    """A report with lists, nested lists, tables, links and a contents page."""
    expert = make_user(Role.EXPERT, name="Jonas Weber")
    engagement = make_engagement(expert=expert, title="Storage migration")
    item = make_plan_item(engagement=engagement, skill=make_skill("Ceph operations"))
    item.handover_notes = (
        "## Daily checks\n\n1. `ceph -s`\n2. Placement groups\n   - degraded\n   - stuck\n\n"
        "| pool | size |\n|---|---|\n| rbd | 3 |\n\nSee [the runbook](https://wiki.example/ceph)."
    )
    make_assignment(item, make_user(Role.STAFF, name="Maria Lopez"), phase=Phase.INDEPENDENT)
    db.session.flush()
    data = gather_report_data(
        engagement.id,
        final=False,
        generated_by=None,
        generated_at=utcnow(),
        identifier="KT-TEST",
    )
    return render_html(data)


def test_lean_stylesheet_lays_the_report_out_exactly_like_the_stock_one(report_html):
    lean, lean_pages = html_to_pdf(report_html)
    with heap.fewer_collections():
        stock = HTML(string=report_html, base_url=BASE_URL, url_fetcher=ReportURLFetcher())
        stock_pdf = stock.write_pdf()

    lean_reader, stock_reader = PdfReader(io.BytesIO(lean)), PdfReader(io.BytesIO(stock_pdf))
    assert lean_pages == len(stock_reader.pages) >= 3
    for ours, theirs in zip(lean_reader.pages, stock_reader.pages, strict=True):
        assert ours.get_contents().get_data() == theirs.get_contents().get_data()
    assert "ceph -s" in "".join(page.extract_text() for page in lean_reader.pages)
    assert asset_url("print.css") in report_html


def test_report_is_set_in_its_own_typefaces(report_html):
    """Another sans-serif would paginate differently: README lists the fonts to install."""
    pdf, _ = html_to_pdf(report_html)
    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(font.get_object()["/BaseFont"].split("+", 1)[-1])

    assert {"Liberation-Sans", "Liberation-Sans-Bold", "DejaVu-Sans-Mono"} <= fonts, fonts


def test_a_long_plan_gets_its_readiness_chart_in_parts_that_fit_a_page(
    db, monkeypatch, make_engagement, make_skill, make_plan_item
):
    monkeypatch.setattr(data_module, "CHART_ROWS", 3)
    engagement = make_engagement(title="Wide plan")
    names = [f"Skill number {n}" for n in range(1, 6)]
    for name in names:
        make_plan_item(engagement=engagement, skill=make_skill(name))
    report = gather_report_data(
        engagement.id, final=False, generated_by=None, generated_at=utcnow(), identifier="KT-T"
    )

    assert [(part.first, part.last) for part in report.charts] == [(1, 3), (4, 5)]
    first, second = (str(part.svg) for part in report.charts)
    shown = [item.skill for item in report.items]
    assert sorted(shown) == names
    assert all(skill in first for skill in shown[:3])
    assert not any(skill in first for skill in shown[3:])
    assert all(skill in second for skill in shown[3:])
    text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(html_to_pdf(render_html(report))[0])).pages
    )
    assert "Skills 1–3 of 5." in text
    assert "Skills 4–5 of 5, continued." in text


def test_a_short_plan_has_one_chart_without_part_numbers(report_html):
    assert report_html.count('class="readiness-chart"') == 1
    assert "Skills 1–" not in report_html


def test_a_split_matrix_lists_in_each_table_the_skills_its_learners_hold(
    db, monkeypatch, make_user, make_engagement, make_skill, make_plan_item, make_assignment
):
    monkeypatch.setattr(data_module, "MATRIX_COLUMNS", 1)
    engagement = make_engagement(title="Split matrix")
    kafka = make_plan_item(engagement=engagement, skill=make_skill("Kafka operations"))
    vault = make_plan_item(engagement=engagement, skill=make_skill("Vault operations"))
    make_plan_item(engagement=engagement, skill=make_skill("Nobody's skill"))
    make_assignment(kafka, make_user(Role.STAFF, name="Anna Adams"))
    make_assignment(vault, make_user(Role.STAFF, name="Bert Brown"))
    report = gather_report_data(
        engagement.id, final=False, generated_by=None, generated_at=utcnow(), identifier="KT-T"
    )

    tables = {part.learners: {row.skill for row in part.rows} for part in report.matrix}
    assert tables == {
        ("Anna Adams",): {"Kafka operations", "Nobody's skill"},
        ("Bert Brown",): {"Vault operations"},
    }


def test_follow_up_for_a_learner_who_has_not_started_is_to_start(report_html):
    assert "No learning is recorded yet for Maria Lopez: start shadowing sessions" in report_html
    assert "plan reverse shadowing on Ceph operations" not in report_html


def test_two_reports_laid_out_at_once_are_the_same_as_one_alone(report_html):
    """Two workers' threads may build reports at the same time: the collector's settings they
    share come back afterwards, and neither layout is disturbed by the other."""
    thresholds = gc.get_threshold()
    alone, pages = html_to_pdf(report_html)
    results, start = [None, None], threading.Barrier(2, timeout=60)

    def build(slot):
        start.wait()
        results[slot] = html_to_pdf(report_html)

    threads = [threading.Thread(target=build, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
        assert not thread.is_alive()

    expected = [page.get_contents().get_data() for page in PdfReader(io.BytesIO(alone)).pages]
    for result in results:
        assert result is not None
        pdf, count = result
        assert count == pages
        got = [page.get_contents().get_data() for page in PdfReader(io.BytesIO(pdf)).pages]
        assert got == expected
    assert gc.get_threshold() == thresholds
