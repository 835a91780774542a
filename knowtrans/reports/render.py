"""From report data to HTML (the print layouts in ``reports/``) and from HTML to PDF."""

import gc
from contextlib import contextmanager
from functools import cache

import jinja2
from weasyprint import HTML

from knowtrans import ROOT
from knowtrans.core.web import format_date, format_minutes
from knowtrans.plans.models import LEVELS
from knowtrans.reports.data import ReportData
from knowtrans.reports.fetcher import BASE_URL, ReportURLFetcher, asset_url

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
    env.globals["asset_url"] = asset_url
    return env


def render_html(data: ReportData) -> str:
    return layouts().get_template("handover.html").render(report=data)


#: while laying out, collect garbage far less often: layout allocates millions of short-lived
#: objects in few reference cycles, and the default thresholds cost about a quarter of its time
LAYOUT_GC_THRESHOLD = (100_000, 50, 100)


@contextmanager
def fewer_collections():
    """Collect rarely, and never scan what existed before layout (the app, the session)."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*LAYOUT_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def html_to_pdf(html: str, fetcher: ReportURLFetcher | None = None) -> tuple[bytes, int]:
    """Lay ``html`` out as PDF; nothing is loaded except through the report's own fetcher."""
    fetcher = fetcher or ReportURLFetcher()
    with fewer_collections():
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
        return document.write_pdf(), len(document.pages)
