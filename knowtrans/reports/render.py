"""From report data to HTML (the print layouts in ``reports/``) and from HTML to PDF."""

import hashlib
from functools import cache
from importlib import resources

import jinja2
import tinycss2
import weasyprint
from weasyprint import CSS, HTML

from knowtrans import ROOT
from knowtrans.core.formatting import format_date, format_minutes
from knowtrans.core.heap import fewer_collections
from knowtrans.plans.models import LEVELS
from knowtrans.reports.content import ReportData
from knowtrans.reports.fetcher import BASE_URL, ReportURLFetcher, asset_url
from knowtrans.reports.log import LOG_ENTRIES_PER_ASSIGNMENT

LAYOUTS_DIR = ROOT / "reports"


@cache
def layouts() -> jinja2.Environment:
    """The print layouts' own environment: separate from the web pages, autoescaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(LAYOUTS_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = format_date
    env.filters["duration"] = format_minutes
    env.globals["LEVELS"] = LEVELS
    env.globals["LOG_ENTRIES_PER_ASSIGNMENT"] = LOG_ENTRIES_PER_ASSIGNMENT
    env.globals["asset_url"] = asset_url
    return env


@cache
def layout_version() -> str:
    """A hash of the print layouts, their stylesheets and assets, and the WeasyPrint version:
    a cached draft made with another layout is not handed out."""
    digest = hashlib.sha256(f"weasyprint {weasyprint.__version__}".encode())
    for path in sorted(p for p in LAYOUTS_DIR.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(LAYOUTS_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def render_html(data: ReportData) -> str:
    return layouts().get_template("handover.html").render(report=data)


#: WeasyPrint's stock user-agent stylesheet styles pseudo-elements of *every* element
#: (``::marker``, ``::footnote-call``, ``::note-call`` …): for each of them it computes and
#: keeps a style per element, six per element in all: for a long report, a third of its
#: peak memory (docs/performance.md). Markers belong to list items only; the report has no
#: footnotes or notes, so their rules go.
MARKER_OWNERS = "li"
DROPPED_PSEUDO_ELEMENTS = frozenset(
    {"footnote-call", "footnote-marker", "note-call", "note-marker", "note-callback"}
)


class UnexpectedUserAgentStylesheet(RuntimeError):
    """WeasyPrint's user-agent stylesheet changed in a way the report's copy cannot follow."""


def _universal_pseudo_element(rule) -> str | None:
    """``marker`` for a rule whose selector is exactly ``::marker``, else None."""
    if rule.type != "qualified-rule":
        return None
    tokens = [token for token in rule.prelude if token.type != "whitespace"]
    if len(tokens) == 3 and tokens[0] == ":" and tokens[1] == ":" and tokens[2].type == "ident":
        return tokens[2].lower_value
    return None


def lean_user_agent_css(stock: str) -> str:
    """``stock`` (WeasyPrint's html5_ua.css) with no universal pseudo-element rule."""
    rules = tinycss2.parse_stylesheet(stock)
    kept, seen = [], set()
    for rule in rules:
        pseudo = _universal_pseudo_element(rule)
        if pseudo is None:
            kept.append(rule)
            continue
        seen.add(pseudo)
        if pseudo == "marker":
            prelude = tinycss2.parse_component_value_list(f"{MARKER_OWNERS}::marker ")
            rule.prelude[:] = prelude
            kept.append(rule)
        elif pseudo not in DROPPED_PSEUDO_ELEMENTS:
            raise UnexpectedUserAgentStylesheet(f"a rule for every element's ::{pseudo}")
    if "marker" not in seen:
        raise UnexpectedUserAgentStylesheet("no ::marker rule to scope to list items")
    return tinycss2.serialize(kept)


@cache
def report_user_agent_stylesheet() -> CSS:
    stock = (resources.files("weasyprint.css") / "html5_ua.css").read_text("utf-8")
    return CSS(string=lean_user_agent_css(stock))


#: the WeasyPrint major version the archived reports were laid out with: pyproject.toml pins
#: it, and ``tests/test_report_layout.py`` fails when another one is installed, so that an
#: upgrade is a decision (other line breaks, other page counts; the private hook below)
WEASYPRINT_MAJOR = 70


class ReportHTML(HTML):
    """WeasyPrint's ``HTML`` with the lean user-agent stylesheet (the report has no forms).

    WeasyPrint has no public way to replace its user-agent stylesheet; ``_ua_stylesheets``
    is the private hook its own test suite overrides the same way. This class is the only
    place knowtrans touches it, and ``tests/test_report_layout.py`` fails loudly if
    WeasyPrint stops calling it or lays the report out differently than with its stock
    stylesheet.
    """

    def _ua_stylesheets(self, forms=False):
        return [report_user_agent_stylesheet()]


def html_to_pdf(html: str, fetcher: ReportURLFetcher | None = None) -> tuple[bytes, int]:
    """Lay ``html`` out as PDF; nothing is loaded except through the report's own fetcher."""
    fetcher = fetcher or ReportURLFetcher()
    with fewer_collections():
        document = ReportHTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
        return document.write_pdf(), len(document.pages)
