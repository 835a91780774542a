"""The web pages' template environment: filters for Markdown, plain text, dates, durations,
counts."""

from flask import Flask

from knowtrans.core.formatting import format_date, format_minutes, format_number
from knowtrans.core.markdown import plain_text, render_markdown


def init_templating(app: Flask, **globals_: object) -> None:
    """Filters and whitespace handling; ``globals_`` are what the features offer every page
    (the policy, the proficiency levels), given by the app factory."""
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plaintext"] = plain_text
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["duration"] = format_minutes
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.globals.update(globals_)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
