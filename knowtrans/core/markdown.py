"""User-written Markdown rendered to HTML that cannot run script or load remote content."""

import threading
import xml.etree.ElementTree as etree
from functools import lru_cache

import markdown as md
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "h4", "h5", "h6", "strong", "em", "b", "i", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "del", "sup", "sub", "dl", "dt", "dd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
#: user headings sit below the page's own: "# Gotchas" becomes an <h4>
HEADING_OFFSET = 3


class _DemoteHeadings(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                element.tag = f"h{min(int(element.tag[1]) + HEADING_OFFSET, 6)}"


class DemoteHeadings(Extension):
    def extendMarkdown(self, md_instance: md.Markdown) -> None:
        md_instance.treeprocessors.register(_DemoteHeadings(md_instance), "demote_headings", 5)


_local = threading.local()


def _converter() -> md.Markdown:
    """One Markdown converter per thread: building one costs more than converting a note."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = md.Markdown(
            extensions=["fenced_code", "tables", "sane_lists", DemoteHeadings()]
        )
        _local.converter = converter
    return converter


#: rendered notes kept per process: a page shows the same handover notes on every view, and
#: converting them was a fifth of the engagement page's time. Bounded in number and in the
#: length of what is kept (at most about 1024 x 2 x 8 KB).
CACHED_NOTES = 1024
CACHED_LENGTH = 8_000


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    if len(text) <= CACHED_LENGTH:
        return _cached(text)
    return _render(text)


@lru_cache(maxsize=CACHED_NOTES)
def _cached(text: str) -> Markup:
    return _render(text)


def _render(text: str) -> Markup:
    html = _converter().reset().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)
