"""From report data to HTML (the print layouts in ``reports/``) and from HTML to PDF.

The layouts speak the language of the moment (``knowtrans.core.i18n.speaking``): ``_()``,
``ngettext`` and ``{% trans %}`` look up the catalogue of the current locale, and dates,
durations and counts are formatted for it, times in its time zone.
"""

import hashlib
import re
from functools import cache
from importlib import resources

import jinja2
import tinycss2
import weasyprint
from babel.dates import format_skeleton
from flask_babel import get_translations
from flask_babel import gettext as _
from markupsafe import Markup
from weasyprint import CSS, HTML

from knowtrans import ROOT
from knowtrans.core.formatting import (
    format_date,
    format_datetime,
    format_minutes,
    format_number,
    format_percent,
    format_time,
)
from knowtrans.core.heap import fewer_collections
from knowtrans.core.i18n import current_language
from knowtrans.plans.models import LEVELS
from knowtrans.reports.content import ReportData
from knowtrans.reports.fetcher import BASE_URL, ReportURLFetcher, asset_url
from knowtrans.reports.log import LOG_ENTRIES_PER_ASSIGNMENT
from knowtrans.reports.text import format_day, locale

LAYOUTS_DIR = ROOT / "reports"
TRANSLATIONS_DIR = ROOT / "knowtrans" / "translations"


@cache
def layouts() -> jinja2.Environment:
    """The print layouts' own environment: separate from the web pages, autoescaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(LAYOUTS_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # as Flask-Babel installs them for the pages: the catalogue of the current locale, the
    # values put in by Jinja (flask_babel.ngettext would format its text a second time)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda text: get_translations().ugettext(text),
        lambda singular, plural, n: get_translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    # {% trans %} blocks are extracted and looked up with their whitespace collapsed
    env.policies["ext.i18n.trimmed"] = True
    env.filters["date"] = format_date
    env.filters["datetime"] = format_datetime
    env.filters["time"] = format_time
    env.filters["day"] = format_day
    env.filters["month"] = format_month
    env.filters["duration"] = format_minutes
    env.filters["number"] = format_number
    env.filters["percent"] = format_percent
    env.globals["language"] = current_language
    env.globals["running_texts"] = running_texts
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


@cache
def translations_version(language: str) -> str:
    """A hash of the language's message catalogue: a cached draft written with other
    translations is not handed out either."""
    digest = hashlib.sha256(language.encode())
    for name in ("messages.mo", "messages.po"):
        path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / name
        if path.is_file():
            digest.update(path.read_bytes())
            break
    return digest.hexdigest()


def render_html(data: ReportData) -> str:
    return layouts().get_template("handover.html").render(report=data)


def format_month(day) -> str:
    """A month as people read it: Nov 2026, Nov. 2026."""
    return format_skeleton("yMMM", day, locale=locale())


#: a placeholder of a translated text that CSS fills in itself (a page counter)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def css_string(text: str) -> str:
    """``text`` as a CSS string literal; every character but letters, digits and spaces
    escaped, so nothing in it can end the string or the style element."""
    escaped = "".join(
        char if char.isalnum() or char == " " else f"\\{ord(char):x} " for char in text
    )
    return f'"{escaped}"'


def css_content(text: str) -> str:
    """A translated text as the value of ``content``: its ``%(page)s`` and ``%(pages)s``
    become the page counters."""
    parts, position = [], 0
    for match in PLACEHOLDER.finditer(text):
        if match.start() > position:
            parts.append(css_string(text[position : match.start()]))
        parts.append(f"counter({match.group(1)})")
        position = match.end()
    if position < len(text):
        parts.append(css_string(text[position:]))
    return " ".join(parts) or '""'


#: the size of the DRAFT watermark (print.css) for a word of this many letters; a longer word
#: is set smaller, so that it fits across the page
WATERMARK_POINTS, WATERMARK_LETTERS = 120, 5


def running_texts() -> Markup:
    """The texts of the running header and footer (print.css places them), and the size of
    the draft's watermark, in the report's language: CSS rules for the layout's style
    element."""
    footer, pages = _("knowtrans handover report"), _("Page %(page)s of %(pages)s")
    draft, final = _("DRAFT"), _("Final")
    watermark = WATERMARK_POINTS * min(1.0, WATERMARK_LETTERS / max(len(draft), 1))
    return Markup(
        "@page {"
        f" @bottom-left {{ content: {css_content(footer)}; }}"
        f" @bottom-right {{ content: {css_content(pages)}; }}"
        " }\n"
        f".draft-mark {{ string-set: doc-kind {css_string(draft)}; }}\n"
        f".final-mark {{ string-set: doc-kind {css_string(final)}; }}\n"
        f".watermark {{ font-size: {watermark:.0f}pt; }}\n"
    )


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
