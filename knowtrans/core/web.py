"""Request-wide wiring: template helpers, error pages, SQLite pragmas."""

from datetime import date, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from knowtrans.core.markdown import plain_text, render_markdown
from knowtrans.core.urls import safe_next
from knowtrans.extensions import db

ERROR_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Too large",
    429: "Too many requests",
    500: "Something went wrong",
}

#: the answer to a save that lost a race no view answers more precisely
CONFLICT_MESSAGE = (
    "Someone else changed this at the same moment; nothing was saved — check and try again."
)


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


def init_web(app: Flask) -> None:
    from knowtrans import permissions
    from knowtrans.core.concurrency import EditConflict
    from knowtrans.plans.models import LEVELS

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plaintext"] = plain_text
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["duration"] = format_minutes
    app.jinja_env.globals["LEVELS"] = LEVELS
    app.jinja_env.globals["permissions"] = permissions
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        title = ERROR_TITLES.get(code, error.name)
        message = error.description if getattr(error, "show_description", False) else None
        # Allow (405), Retry-After (429): the headers the error itself carries
        headers = [(key, value) for key, value in error.get_headers() if key != "Content-Type"]
        page = render_template("errors/error.html", code=code, title=title, message=message)
        return page, code, headers

    @app.errorhandler(InternalServerError)
    def unexpected_error(error: InternalServerError):
        db.session.rollback()
        return render_template("errors/error.html", code=500, title=ERROR_TITLES[500]), 500

    @app.errorhandler(StaleDataError)
    @app.errorhandler(EditConflict)
    def edit_conflict(error: Exception):
        """Another request changed or removed a row between loading and saving (the UPDATE or
        DELETE matched nothing). Views with their own conflict notice answer it first."""
        db.session.rollback()
        current_app.logger.info("conflict on %s %s: %r", request.method, request.path, error)
        flash(CONFLICT_MESSAGE, "warning")
        return redirect(local_referrer() or url_for("dashboard.index"), code=303)

    @app.errorhandler(sa.exc.IntegrityError)
    def integrity_error(error: sa.exc.IntegrityError):
        """An INSERT that refers to a row removed meanwhile (learning recorded on an assignment
        being unassigned) is a conflict too; any other refusal of the database is a defect,
        logged with its traceback and answered as one."""
        if is_foreign_key_violation(error):
            return edit_conflict(error)
        db.session.rollback()
        current_app.logger.error("integrity error", exc_info=error)
        return render_template("errors/error.html", code=500, title=ERROR_TITLES[500]), 500

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)


def is_foreign_key_violation(error: sa.exc.IntegrityError) -> bool:
    """PostgreSQL's SQLSTATE 23503, SQLite's "FOREIGN KEY constraint failed"."""
    if getattr(error.orig, "sqlstate", None) == "23503":
        return True
    return "FOREIGN KEY constraint failed" in str(error.orig)


def local_referrer() -> str | None:
    """The page the request came from, when it is one of this site's: path and query only."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != request.host:
        return None
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Foreign keys enforced, WAL for concurrent readers, and waiting rather than failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")  # in-memory databases keep their own mode
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
