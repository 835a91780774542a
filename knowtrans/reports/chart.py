"""The readiness chart: per skill, the best confirmed level against the target, as SVG.

A pure function of plain values, drawn by the app itself (no chart library, no script), so
the engagement page and the PDF show the same picture. Readable without colour: reached
targets are solid bars, bars below target are hatched, and every row says its levels in text.
Its words are in the language of the moment (the page's reader, the report's language).
"""

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape

MAX_LEVEL = 5
WIDTH = 700
LABEL_WIDTH = 190
PLOT_LEFT = 200
PLOT_WIDTH = 280
VALUE_LEFT = PLOT_LEFT + PLOT_WIDTH + 14
TOP = 30
ROW_HEIGHT = 30
BAR_HEIGHT = 14
LEGEND_HEIGHT = 40
LABEL_CHARS = 28
#: characters per line of a longer name, set smaller
LABEL_LINE_CHARS = 32
LABEL_FONT_SIZE = 12
SMALL_LABEL_FONT_SIZE = 10.5

INK = "#1d2430"
MUTED = "#5b6575"
GRID = "#c9d0da"
TRACK = "#eef1f5"
REACHED = "#1e7a46"
BELOW = "#a15c00"
RISK = "#b42318"
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"


@dataclass(frozen=True)
class ChartRow:
    skill: str
    target: int
    #: the best level confirmed for an internal learner; None when nobody is confirmed
    confirmed: int | None
    covered: bool
    at_risk: bool = False


def readiness_chart_svg(rows: Sequence[ChartRow], *, chart_id: str = "readiness-chart") -> Markup:
    """Inline SVG of ``rows``; empty markup for an empty plan.

    Sized by its viewBox only, so it takes the width of its container on a page and in print.
    """
    if not rows:
        return Markup("")
    height = TOP + len(rows) * ROW_HEIGHT + LEGEND_HEIGHT
    reached = sum(1 for row in rows if row.covered)
    label = ngettext(
        "Readiness by skill: %(reached)s of %(num)d skill reaches its target level.",
        "Readiness by skill: %(reached)s of %(num)d skills reach their target level.",
        len(rows),
        reached=reached,
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="readiness-chart" role="img" '
        f'id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-label="{escape(label)}" aria-describedby="{escape(chart_id)}-desc" '
        f'font-family="{FONT}" font-size="12" fill="{INK}">',
        f"<title>{escape(label)}</title>",
        f'<desc id="{escape(chart_id)}-desc">{escape(_description(rows))}</desc>',
        _defs(chart_id),
        _axis(len(rows)),
    ]
    parts.extend(_row(row, TOP + index * ROW_HEIGHT, chart_id) for index, row in enumerate(rows))
    parts.append(_legend(TOP + len(rows) * ROW_HEIGHT + 14, chart_id))
    parts.append("</svg>")
    return Markup("".join(parts))


def _x(level: float) -> float:
    return PLOT_LEFT + PLOT_WIDTH * level / MAX_LEVEL


def _defs(chart_id: str) -> str:
    return (
        f'<defs><pattern id="{escape(chart_id)}-hatch" width="6" height="6" '
        f'patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="#fbe9cf"/>'
        f'<path d="M0,6 L6,0 M-1,1 L1,-1 M5,7 L7,5" stroke="{BELOW}" stroke-width="1.4"/>'
        f"</pattern></defs>"
    )


def _axis(row_count: int) -> str:
    bottom = TOP + row_count * ROW_HEIGHT
    skill, value = escape(_("Skill")), escape(_("Confirmed of target"))
    parts = [
        f'<text x="{LABEL_WIDTH}" y="14" text-anchor="end" fill="{MUTED}" font-size="11">'
        f"{skill}</text>",
        f'<text x="{VALUE_LEFT}" y="14" fill="{MUTED}" font-size="11">{value}</text>',
    ]
    for level in range(MAX_LEVEL + 1):
        x = _x(level)
        dashes = "" if level == 0 else ' stroke-dasharray="2,3"'
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}" '
            f'stroke-width="1"{dashes}/>'
        )
        if level:
            parts.append(
                f'<text x="{x:.1f}" y="14" text-anchor="middle" fill="{MUTED}" '
                f'font-size="11">{level}</text>'
            )
    return "".join(parts)


def _row(row: ChartRow, top: int, chart_id: str) -> str:
    middle = top + ROW_HEIGHT / 2
    bar_top = middle - BAR_HEIGHT / 2
    parts = [
        f"<g><title>{escape(_row_sentence(row))}</title>",
        _label(row.skill, middle),
        f'<rect x="{PLOT_LEFT}" y="{bar_top:.1f}" width="{PLOT_WIDTH}" height="{BAR_HEIGHT}" '
        f'fill="{TRACK}"/>',
    ]
    if row.confirmed:
        width = _x(row.confirmed) - PLOT_LEFT
        if row.covered:
            fill, stroke = REACHED, REACHED
        else:
            fill, stroke = f"url(#{escape(chart_id)}-hatch)", BELOW
        parts.append(
            f'<rect x="{PLOT_LEFT}" y="{bar_top:.1f}" width="{width:.1f}" '
            f'height="{BAR_HEIGHT}" fill="{fill}" stroke="{stroke}" stroke-width="1"/>'
        )
    target_x = _x(row.target)
    parts.append(_target_marker(target_x, top + 4, top + ROW_HEIGHT - 4))
    value = (
        _("%(confirmed)s of %(target)s", confirmed=row.confirmed, target=row.target)
        if row.confirmed
        else _("none of %(target)s", target=row.target)
    )
    status = _("reached") if row.covered else _("below target")
    parts.append(
        f'<text x="{VALUE_LEFT}" y="{middle + 4:.1f}"><tspan font-weight="bold">'
        f'{escape(value)}</tspan> <tspan fill="{MUTED}">{escape(status)}</tspan>'
    )
    if row.at_risk:
        at_risk = escape(_("at risk"))
        parts.append(f' <tspan fill="{RISK}" font-weight="bold">· {at_risk}</tspan>')
    parts.append("</text></g>")
    return "".join(parts)


def _label(skill: str, middle: float) -> str:
    """The skill's name right-aligned before its bar; a longer name set smaller, on two lines
    if need be; only a name longer than both lines is shortened."""
    if len(skill) <= LABEL_CHARS:
        return _text(skill, middle + 4, LABEL_FONT_SIZE)
    first, *rest = textwrap.wrap(skill, LABEL_LINE_CHARS) or [skill]
    if not rest:
        return _text(first, middle + 3.5, SMALL_LABEL_FONT_SIZE)
    second = " ".join(rest)
    if len(second) > LABEL_LINE_CHARS:
        second = second[: LABEL_LINE_CHARS - 1].rstrip() + "…"
    return (
        f'<text x="{LABEL_WIDTH}" y="{middle - 2:.1f}" text-anchor="end" '
        f'font-size="{SMALL_LABEL_FONT_SIZE}"><tspan>{escape(first)}</tspan>'
        f'<tspan x="{LABEL_WIDTH}" dy="12">{escape(second)}</tspan></text>'
    )


def _text(label: str, y: float, size: float) -> str:
    return (
        f'<text x="{LABEL_WIDTH}" y="{y:.1f}" text-anchor="end" font-size="{size}">'
        f"{escape(label)}</text>"
    )


def _target_marker(x: float, top: float, bottom: float) -> str:
    return (
        f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="{INK}" '
        f'stroke-width="2.5"/>'
        f'<path d="M{x - 4:.1f},{top - 3:.1f} L{x + 4:.1f},{top - 3:.1f} L{x:.1f},{top + 3:.1f} Z" '
        f'fill="{INK}"/>'
    )


def _legend(top: int, chart_id: str) -> str:
    reached, below = escape(_("target reached")), escape(_("below target"))
    target, levels = escape(_("target level")), escape(_("Level 1 Novice – 5 Expert"))
    return (
        f'<g font-size="11" fill="{MUTED}">'
        f'<rect x="{PLOT_LEFT}" y="{top}" width="18" height="10" fill="{REACHED}"/>'
        f'<text x="{PLOT_LEFT + 24}" y="{top + 9}">{reached}</text>'
        f'<rect x="{PLOT_LEFT + 120}" y="{top}" width="18" height="10" '
        f'fill="url(#{escape(chart_id)}-hatch)" stroke="{BELOW}"/>'
        f'<text x="{PLOT_LEFT + 144}" y="{top + 9}">{below}</text>'
        f"{_target_marker(PLOT_LEFT + 240, top - 1, top + 11)}"
        f'<text x="{PLOT_LEFT + 250}" y="{top + 9}">{target}</text>'
        f'<text x="{LABEL_WIDTH}" y="{top + 9}" text-anchor="end">{levels}</text>'
        f"</g>"
    )


def _row_sentence(row: ChartRow) -> str:
    values = {"skill": row.skill, "confirmed": row.confirmed, "target": row.target}
    if row.covered:
        return _(
            "%(skill)s: best confirmed level %(confirmed)s, target %(target)s, target reached.",
            **values,
        )
    if row.confirmed:
        if row.at_risk:
            return _(
                "%(skill)s: best confirmed level %(confirmed)s, target %(target)s, below "
                "target, at risk.",
                **values,
            )
        return _(
            "%(skill)s: best confirmed level %(confirmed)s, target %(target)s, below target.",
            **values,
        )
    if row.at_risk:
        return _(
            "%(skill)s: no level confirmed yet, target %(target)s, below target, at risk.",
            **values,
        )
    return _("%(skill)s: no level confirmed yet, target %(target)s, below target.", **values)


def _description(rows: Sequence[ChartRow]) -> str:
    return " ".join(_row_sentence(row) for row in rows)
