"""Error pages in the app's look: for HTTP errors, and for domain errors no form answered."""

import sqlalchemy as sa
from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from knowtrans.core.concurrency import EditConflict
from knowtrans.core.errors import Refused
from knowtrans.core.integrity import is_foreign_key_violation
from knowtrans.core.pipeline import answer_conflict
from knowtrans.core.urls import local_referrer
from knowtrans.extensions import db

ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}


def error_page(code: int, message: str | None = None):
    title = str(ERROR_TITLES.get(code) or _("Error"))
    return render_template("errors/error.html", code=code, title=title, message=message), code


def init_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.response is not None:  # abort(response): that response, e.g. a redirect
            return error.response
        db.session.rollback()
        audit = getattr(error, "audit", None)
        if audit is not None:  # a refusal of the policy: its audit event is all that is saved
            audit()
            db.session.commit()
        code = error.code or 500
        message = error.description if getattr(error, "show_description", False) else None
        page, code = error_page(code, message)
        # Allow (405), Retry-After (429): the headers the error itself carries
        headers = [(key, value) for key, value in error.get_headers() if key != "Content-Type"]
        return page, code, headers

    @app.errorhandler(InternalServerError)
    def unexpected_error(error: InternalServerError):
        db.session.rollback()
        return error_page(500)

    @app.errorhandler(StaleDataError)
    @app.errorhandler(EditConflict)
    def edit_conflict(error: Exception):
        """Another request changed or removed the row between loading and saving (the UPDATE
        or DELETE matched nothing), where no form shows a notice of its own."""
        db.session.rollback()
        current_app.logger.info("conflict on %s %s: %r", request.method, request.path, error)
        return answer_conflict()

    @app.errorhandler(sa.exc.IntegrityError)
    def integrity_error(error: sa.exc.IntegrityError):
        """An INSERT that refers to a row removed meanwhile (learning recorded on an
        assignment being unassigned) is a conflict too; any other refusal of the database is
        a defect, logged with its traceback and answered as one."""
        if is_foreign_key_violation(error):
            return edit_conflict(error)
        db.session.rollback()
        current_app.logger.error("integrity error", exc_info=error)
        return error_page(500)

    @app.errorhandler(Refused)
    def refused(error: Refused):
        """A rule refused a change made with a button: say why, back where the user was."""
        db.session.rollback()
        flash(str(error), "error")
        return redirect(local_referrer() or url_for("dashboard.index"), code=303)
