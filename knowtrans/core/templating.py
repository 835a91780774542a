"""The web pages' template environment: filters for Markdown, plain text, dates, times,
durations, counts and shares, in the reader's language (Flask-Babel adds ``_``, ``ngettext``
and the ``trans`` tag)."""

from flask import Flask

from knowtrans.core.formatting import (
    format_date,
    format_datetime,
    format_minutes,
    format_number,
    format_percent,
    format_time,
)
from knowtrans.core.markdown import plain_text, render_markdown


def init_templating(app: Flask, **globals_: object) -> None:
    """Filters and whitespace handling; ``globals_`` are what the features offer every page
    (the policy, the proficiency levels), given by the app factory."""
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plaintext"] = plain_text
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["duration"] = format_minutes
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["time"] = format_time
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.globals.update(globals_)
    # {% trans %} blocks are extracted and looked up with their whitespace collapsed
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
