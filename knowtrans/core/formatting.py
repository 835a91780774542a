"""Dates, durations and counts as pages, messages and reports write them."""

from datetime import date, datetime


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.strftime("%Y-%m-%d")


def format_minutes(minutes: int | None) -> str:
    if not minutes:
        return "0 h"
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


def format_number(value: int) -> str:
    """A count with thousands separators: 3,000."""
    return f"{value:,}"
