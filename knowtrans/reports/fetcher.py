"""The only way WeasyPrint may load anything while rendering a report.

Reports are built from user-written text. Whatever slips into the HTML, the renderer must not
read local files or reach the network (SSRF), so this fetcher serves the application's own
print assets under ``reports/`` through a private URL scheme and refuses every other URL:
``file:``, ``http(s):`` to any host, ``data:``, ``ftp:``… It never follows redirects because it
never opens a connection. WeasyPrint logs a refused resource and renders without it.
"""

import logging
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from knowtrans import ROOT

logger = logging.getLogger(__name__)

#: the private scheme of the report's own assets: ``knowtrans-report:print.css``
SCHEME = "knowtrans-report"
BASE_URL = f"{SCHEME}:"
ASSETS_DIR = ROOT / "reports"
#: what may be served from ``reports/``; never the layouts themselves
CONTENT_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}


class RefusedURL(ValueError):
    """A URL that is not one of the report's own assets."""


def asset_url(name: str) -> str:
    return f"{SCHEME}:{name}"


class ReportURLFetcher(URLFetcher):
    """Serve ``knowtrans-report:<path>`` from ``reports/``; refuse everything else.

    ``served`` and ``refused`` record the URLs asked for, so tests can prove what was loaded.
    """

    def __init__(self, assets_dir: Path = ASSETS_DIR) -> None:
        super().__init__(allowed_protocols=(SCHEME,), allow_redirects=False, fail_on_errors=False)
        self.assets_dir = assets_dir.resolve()
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = self.asset_path(url)
        if path is None:
            self.refused.append(url)
            logger.info("report renderer refused %.200s", url)
            raise RefusedURL(f"reports load only their own assets; refused {url[:200]!r}")
        self.served.append(url)
        return URLFetcherResponse(
            url,
            body=path.read_bytes(),
            headers={"Content-Type": CONTENT_TYPES[path.suffix]},
        )

    def open(self, url, data=None, timeout=None):
        """urllib's entry point, refused too unless it names an own asset."""
        target = url.full_url if hasattr(url, "full_url") else url
        return self.fetch(target)

    def asset_path(self, url: str) -> Path | None:
        """The file under ``reports/`` that ``url`` names, or None if it names anything else."""
        if not isinstance(url, str) or "\x00" in url or "\\" in url:
            return None
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.scheme != SCHEME or parts.netloc or parts.query or parts.fragment:
            return None
        name = unquote(parts.path)
        if not name or "\x00" in name or "\\" in name:
            return None
        relative = PurePosixPath(name)
        if relative.is_absolute() or any(part in ("..", ".") for part in relative.parts):
            return None
        if relative.suffix not in CONTENT_TYPES:
            return None
        candidate = (self.assets_dir / relative).resolve()
        if not candidate.is_relative_to(self.assets_dir) or not candidate.is_file():
            return None
        return candidate
