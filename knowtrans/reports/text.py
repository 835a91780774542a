"""User text as the print layout sets it: the beginning of long texts, and break
opportunities where WeasyPrint would take long to find one.

A learner can save 20,000 characters per entry: a thousand short paragraphs, or a single word.
The report prints the beginning of such a text (``shortened``) and says so; in what it prints,
runs of text longer than any word get zero-width spaces (``with_break_opportunities``).
"""

import re
from datetime import UTC, date, datetime

from babel import Locale
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from knowtrans.core.formatting import ENGLISH, format_date
from knowtrans.core.markdown import render_markdown

#: characters and lines of an entry's text the report prints (at most about half a page);
#: the rest is in knowtrans
ENTRY_TEXT = 2_000
ENTRY_LINES = 25
#: lines of a skill's handover notes the report prints (a few pages)
NOTES_LINES = 300

BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def shortened(text: str, limit: int = ENTRY_TEXT, lines: int = ENTRY_LINES) -> tuple[str, bool]:
    """The beginning of ``text`` that the report prints, and whether it is not all of it:
    runs of blank lines as one, at most ``lines`` lines and ``limit`` characters, cut at a
    line break or a space if one is near."""
    text = BLANK_LINES.sub("\n\n", text).strip()
    cut = False
    if text.count("\n") >= lines:
        text, cut = "\n".join(text.split("\n", lines)[:lines]).rstrip(), True
    if len(text) <= limit:
        return text, cut
    text = text[:limit]
    for boundary in ("\n\n", "\n", " "):
        position = text.rfind(boundary)
        if position > limit * 0.8:
            return text[:position].rstrip(), True
    return text, True


#: a tag of sanitised HTML (attribute values double-quoted; they may hold ">")
TAG = re.compile(r'(<(?:[^">]|"[^"]*")*>)')
#: a run of text without a break opportunity, longer than any word or address people read
LONG_RUN = re.compile(r"[^\s\u200b]{200,}")
#: a character or a character reference of escaped text
TEXT_UNIT = re.compile(r"&#?\w+;|.", re.DOTALL)
#: characters between the break opportunities put into a long run
RUN_PIECE = 60


def with_break_opportunities(html: Markup) -> Markup:
    """``html`` with a zero-width space every RUN_PIECE characters of each long unbroken run
    of text: WeasyPrint's line breaking takes time quadratic in a word's length, with break
    opportunities linear time (docs/performance.md). Tags are untouched."""
    parts = TAG.split(str(html))
    for index in range(0, len(parts), 2):  # text between the tags
        parts[index] = LONG_RUN.sub(_broken_run, parts[index])
    return Markup("".join(parts))


def _broken_run(match: re.Match) -> str:
    units = TEXT_UNIT.findall(match.group())
    return "\u200b".join(
        "".join(units[start : start + RUN_PIECE]) for start in range(0, len(units), RUN_PIECE)
    )


class ReportMarkdown:
    """Renders each text once, though the report may show it twice (key learnings, log), with
    break opportunities in runs of text too long for WeasyPrint to break quickly."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], Markup] = {}

    def __call__(self, kind: str, key: int, text: str) -> Markup:
        if (kind, key) not in self._cache:
            self._cache[kind, key] = with_break_opportunities(render_markdown(text))
        return self._cache[kind, key]


def locale() -> Locale:
    """The locale the report is written in (English outside an app context)."""
    try:
        return get_locale() or ENGLISH
    except RuntimeError:
        return ENGLISH


def format_day(value: date | datetime | None) -> str:
    """The day of a moment in the reader's time zone (of a date: the date), without the
    time: "confirmed on …"."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        try:
            zone = get_timezone() or UTC
        except RuntimeError:
            zone = UTC
        value = value.astimezone(zone).date()
    return format_date(value)
