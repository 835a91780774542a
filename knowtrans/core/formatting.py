"""Dates, times, durations and counts as pages, messages and reports write them: in the
language of the request (or of ``knowtrans.core.i18n.speaking``), times in the reader's time
zone (stored values are UTC).

English: Nov 27, 2026 · Nov 27, 2026, 3:15 PM · 3 hr 15 min · 1,234.5
German:  27.11.2026 · 27.11.2026, 15:15 · 3 Std. 15 Min. · 1.234,5
"""

from datetime import UTC, date, datetime

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.units import format_unit
from flask_babel import get_locale, get_timezone

ENGLISH = Locale("en")


def _locale() -> Locale:
    try:
        return get_locale() or ENGLISH
    except RuntimeError:  # no app context: a plain script
        return ENGLISH


def _zone():
    try:
        return get_timezone() or UTC
    except RuntimeError:
        return UTC


def format_date(value: date | datetime | None) -> str:
    """A day, or a moment (as date and time in the reader's time zone); a dash for none."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return format_datetime(value)
    return babel_dates.format_date(value, "medium", locale=_locale())


def format_datetime(value: datetime | None) -> str:
    """A moment in the reader's time zone: the locale's medium date and short time joined by
    the locale's own pattern (no seconds)."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    locale, zone = _locale(), _zone()
    day = babel_dates.format_date(value.astimezone(zone), "medium", locale=locale)
    time = babel_dates.format_time(value, "short", tzinfo=zone, locale=locale)
    return str(locale.datetime_formats["medium"]).format(time, day)


def format_time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return babel_dates.format_time(value, "short", tzinfo=_zone(), locale=_locale())


def format_minutes(minutes: int | None) -> str:
    """A duration in hours and minutes: 3 hr 15 min, 3 Std. 15 Min."""
    locale = _locale()
    hours, rest = divmod(minutes or 0, 60)
    parts = []
    if hours:
        parts.append(format_unit(hours, "duration-hour", length="short", locale=locale))
    if rest or not hours:
        if not hours and not rest:
            return format_unit(0, "duration-hour", length="short", locale=locale)
        parts.append(format_unit(rest, "duration-minute", length="short", locale=locale))
    return " ".join(parts)


def format_number(value: int | float) -> str:
    """A count or measure with the locale's separators: 3,000 / 3.000; 1,234.5 / 1.234,5."""
    return babel_numbers.format_decimal(value, locale=_locale())


def format_percent(fraction: float) -> str:
    """A share: 0.5 as 50% / 50 %."""
    return babel_numbers.format_percent(fraction, locale=_locale())
