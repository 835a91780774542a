"""Dates, times, durations and numbers per locale, times in the reader's time zone."""

from datetime import UTC, date, datetime

import pytest

from knowtrans.core import formatting
from knowtrans.core.i18n import speaking

MOMENT = datetime(2026, 11, 27, 14, 15, 42, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "zone", "day", "moment", "duration", "number"),
    [
        ("en", "UTC", "Nov 27, 2026", "Nov 27, 2026, 2:15\u202fPM", "3 hr 15 min", "1,234.5"),
        ("de", "Europe/Berlin", "27.11.2026", "27.11.2026, 15:15", "3 Std. 15 Min.", "1.234,5"),
        ("en", "America/New_York", "Nov 27, 2026", "Nov 27, 2026, 9:15\u202fAM", None, None),
    ],
)
def test_formats_follow_the_language_and_the_time_zone(
    app, language, zone, day, moment, duration, number
):
    with app.app_context(), speaking(language, zone):
        assert formatting.format_date(date(2026, 11, 27)) == day
        assert formatting.format_datetime(MOMENT) == moment
        assert formatting.format_date(MOMENT) == moment  # a moment is shown with its time
        if duration:
            assert formatting.format_minutes(195) == duration
        if number:
            assert formatting.format_number(1234.5) == number


def test_a_moment_stored_without_a_zone_is_utc(app):
    with app.app_context(), speaking("de", "Europe/Berlin"):
        assert formatting.format_datetime(MOMENT.replace(tzinfo=None)) == "27.11.2026, 15:15"


def test_durations(app):
    with app.app_context(), speaking("en"):
        assert formatting.format_minutes(45) == "45 min"
        assert formatting.format_minutes(120) == "2 hr"
        assert formatting.format_minutes(0) == "0 hr"
        assert formatting.format_minutes(None) == "0 hr"
    with app.app_context(), speaking("de"):
        assert formatting.format_minutes(45) == "45 Min."
        assert formatting.format_minutes(120) == "2 Std."


def test_shares_and_missing_values(app):
    with app.app_context(), speaking("de"):
        assert formatting.format_percent(0.5) == "50\xa0%"
        assert formatting.format_date(None) == "—"
    with app.app_context(), speaking("en"):
        assert formatting.format_percent(0.5) == "50%"


def test_speaking_ends_with_its_block(app):
    """After the block the app's defaults are back: English, KNOWTRANS_DEFAULT_TIMEZONE."""
    with app.app_context():
        with speaking("de", "Asia/Tokyo"):
            assert formatting.format_datetime(MOMENT) == "27.11.2026, 23:15"
        zone = app.config["DEFAULT_TIMEZONE"]
        with speaking("en", zone):
            expected = formatting.format_datetime(MOMENT)
        assert formatting.format_datetime(MOMENT) == expected


def test_an_unknown_language_or_zone_falls_back(app):
    with app.app_context(), speaking("xx", "Mars/Olympus"):
        assert formatting.format_date(date(2026, 11, 27)) == "Nov 27, 2026"


def test_a_wrong_default_time_zone_stops_the_app_at_start():
    """The check runs before anything is set up (a whole second app would replace the
    test app's task queue)."""
    from flask import Flask

    from knowtrans.core.i18n import init_i18n

    bare = Flask(__name__)
    bare.config["DEFAULT_TIMEZONE"] = "Mars/Olympus"
    with pytest.raises(RuntimeError, match="KNOWTRANS_DEFAULT_TIMEZONE"):
        init_i18n(bare)
