"""User-written Markdown rendered to HTML that cannot run script or load remote content.

Whatever a user saves renders: text nested deeper than anyone writes by hand, and text the
parser fails on, comes out as escaped plain text, and a failure never leaves state behind
for the next text (another user's page, a report).
"""

import logging
import re
import threading
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

import markdown as md
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

log = logging.getLogger(__name__)

ALLOWED_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "del", "sup", "sub", "dl", "dt", "dd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
#: user headings sit below the page's own sections (h2): a text's top heading ("# Gotchas")
#: becomes an <h3>, and no heading skips a level below the one before it
TOP_HEADING_LEVEL = 3
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

#: how deeply a text may nest block quotes, lists and indentation on one line, or link
#: brackets: Python-Markdown recurses once per level (500 nested list markers raise
#: RecursionError) and nested brackets cost it quadratic time. Hand-written notes stay
#: far below.
MAX_NESTING = 12
#: cells in a table row: a "table" wider than this is not one anyone reads, and laying it out
#: costs the report seconds
MAX_TABLE_CELLS = 50
#: lines of one block (no blank line between them): Python-Markdown's time grows faster than
#: the block; 300 lines take milliseconds
MAX_BLOCK_LINES = 300
#: how deeply the rendered HTML may nest elements: WeasyPrint lays nested boxes out
#: recursively and fails at about 120 levels; pages and reports wrap notes in their own.
MAX_HTML_DEPTH = 32

#: C0 controls but tab and line feed, DEL, lone surrogates, and bidirectional overrides and
#: isolates: Python-Markdown marks its placeholders with STX/ETX, and bidi controls make
#: text display as something else than it is. Shown as U+FFFD, never interpreted.
UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
#: a container marker at the start of (what remains of) a line: a block quote, a bullet
#: or a numbered list item
CONTAINER_MARKER = re.compile(r">|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)")
THEMATIC_BREAK = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


class _DemoteHeadings(Treeprocessor):
    """The text's outline, moved below the page's: its highest heading level becomes
    TOP_HEADING_LEVEL, and a heading more than one level below the one before it is raised
    (a "##" after a "#" stays one below, a "####" right after a "#" too)."""

    def run(self, root: etree.Element) -> None:
        headings = [element for element in root.iter() if element.tag in HEADINGS]
        if not headings:
            return
        top = min(int(element.tag[1]) for element in headings)
        previous = TOP_HEADING_LEVEL - 1
        for element in headings:
            level = min(TOP_HEADING_LEVEL + int(element.tag[1]) - top, previous + 1, 6)
            element.tag = f"h{level}"
            previous = level


class DemoteHeadings(Extension):
    def extendMarkdown(self, md_instance: md.Markdown) -> None:
        md_instance.treeprocessors.register(_DemoteHeadings(md_instance), "demote_headings", 5)


def _new_converter() -> md.Markdown:
    return md.Markdown(extensions=["fenced_code", "tables", "sane_lists", DemoteHeadings()])


_local = threading.local()


def _convert(text: str) -> str:
    """Markdown to HTML with this thread's converter (building one costs as much as a note).

    The converter is taken out of the thread's slot while it works and put back only after a
    conversion that finished: a parser that fails half-way (its block parser's state stack,
    its stashes) is dropped, and the next text gets a new one.
    """
    converter = _local.__dict__.pop("converter", None) or _new_converter()
    html = converter.reset().convert(text)
    _local.converter = converter
    return html


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
    text = UNSAFE_CHARACTERS.sub("\ufffd", text)
    if exceeds_limits(text):
        return plain_text(text)
    try:
        html = nh3.clean(
            _convert(text),
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        )
    except Exception:  # RecursionError, or any other way the parser can fail on a text
        log.warning("Markdown could not be rendered; shown as plain text", exc_info=True)
        return plain_text(text)
    if html_depth(html) > MAX_HTML_DEPTH:
        return plain_text(text)
    return Markup(html)


def plain_text(text: str) -> Markup:
    """The text as written: escaped, paragraphs at blank lines, line breaks kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = re.split(r"\n(?:[ \t]*\n)+", text.strip())
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in lines))
        for lines in (paragraph.split("\n") for paragraph in paragraphs if paragraph.strip())
    )


def exceeds_limits(text: str) -> bool:
    """Whether ``text`` asks more of the parser than hand-written notes ever do: nesting
    deeper than MAX_NESTING, a table row of more than MAX_TABLE_CELLS cells, or a block (lines
    without a blank one between them, fenced code aside) of more than MAX_BLOCK_LINES lines,
    which Python-Markdown's block processors take quadratic time over."""
    shape = _shape(text)
    return (
        shape.depth > MAX_NESTING
        or shape.cells > MAX_TABLE_CELLS
        or shape.block_lines > MAX_BLOCK_LINES
    )


@dataclass(frozen=True)
class _Shape:
    #: container markers and indentation at the start of a line (thematic breaks aside),
    #: or nested link brackets, whichever is deeper
    depth: int
    #: the most "|" on one line
    cells: int
    #: the longest run of lines without a blank one
    block_lines: int


def _shape(text: str) -> _Shape:
    deepest = cells = block = longest_block = 0
    fence: str | None = None
    for line in text.splitlines():
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        if opening := FENCE.match(line):
            fence = opening.group(1)
            continue
        block = block + 1 if line.strip() else 0
        longest_block = max(longest_block, block)
        if not THEMATIC_BREAK.match(line):
            deepest = max(deepest, _line_depth(line))
        cells = max(cells, line.count("|"))
    return _Shape(max(deepest, _bracket_depth(text)), cells, longest_block)


def _line_depth(line: str) -> int:
    depth, position = 0, 0
    while True:
        columns = 0
        while position < len(line) and line[position] in " \t":
            columns += 4 if line[position] == "\t" else 1
            position += 1
        depth += columns // 4
        marker = CONTAINER_MARKER.match(line, position)
        if marker is None:
            return depth
        depth += 1
        position = marker.end()


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    escaped = False
    for character in text:
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif character == "]" and depth:
            depth -= 1
    return deepest


#: elements that have no end tag, so they open no level
VOID_ELEMENTS = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr"})


class _DepthCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = self.deepest = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in VOID_ELEMENTS:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID_ELEMENTS:
            self.depth = max(self.depth - 1, 0)


def html_depth(html: str) -> int:
    """How deeply ``html`` (serialised by the sanitiser: every element closed) nests."""
    counter = _DepthCounter()
    counter.feed(html)
    counter.close()
    return counter.deepest
