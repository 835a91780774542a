"""One request pipeline: every view runs the same way.

1. ``load(model, id, *options)`` loads what the URL names (404 for an unknown id);
2. the access check asks the policy (``knowtrans.permissions.authorize``), which raises;
3. the view parses its form and calls operations; operations enforce every rule, flush, and
   raise a domain error (``Refused``, ``EditConflict``) when a rule forbids the change;
4. ``saving(form, …)`` turns a domain error into a message at the form's field or above the
   form, or, for an edit made on an old version, into a notice naming who saved in between;
   outside a form, a refusal is flashed and a conflict is answered by going back;
5. one commit when the request succeeded (a status below 400), a rollback otherwise
   (``finish_request``). A refused request commits only its ``access.denied`` audit event.
   Jobs the request asked for (``core.tasks.send_after_commit``) are sent after the commit.

Views never commit or roll back.
"""

from types import TracebackType
from typing import Any

import sqlalchemy as sa
from flask import Flask, abort, current_app, flash, g, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response as BaseResponse

from knowtrans.core.concurrency import ConflictNotice, EditConflict
from knowtrans.core.errors import Refused
from knowtrans.core.integrity import is_foreign_key_violation
from knowtrans.core.tasks import send_committed
from knowtrans.extensions import db


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined; ``_`` translates it where it
    is shown (the English text stays a plain string that pages can be searched for)."""
    return message


#: the answer to a save that lost a race no form answers more precisely
CONFLICT_MESSAGE = N_(
    "Someone else changed this at the same moment; nothing was saved — check and try again."
)


def load(model: type, object_id: int, *options: Any) -> Any:
    """Load by primary key or answer 404 (the URL converter refuses ids beyond ``MAX_ID``).

    A query rather than ``Session.get``, so eager-loading ``options`` apply even when the
    object is already in the session.
    """
    query: sa.Select[Any] = sa.select(model).filter_by(id=object_id).options(*options)
    obj = db.session.execute(query).unique().scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj


class saving:
    """Run a save; a domain error raised inside becomes a message instead of an error page.

    - ``Refused``: the change is undone; its message goes to the form field it names, else
      above the form (or, without a form, into a flash message);
    - ``EditConflict`` or a stale UPDATE on ``conflict_on``: the change is undone, the form
      takes the stored version (saving again replaces it on purpose) and ``conflict`` names
      who saved in between.

    The view returns its redirect inside the block; after the block it renders the form again
    with ``conflict``. Other errors go on to the application's handlers.
    """

    def __init__(
        self, form: FlaskForm | None = None, *, conflict_on: Any = None, what: str = ""
    ) -> None:
        self.form = form
        # the class and id, read now: after a failed save the object may be gone
        self.conflict_on = (type(conflict_on), conflict_on.id) if conflict_on is not None else None
        self.what = what
        self.conflict: ConflictNotice | None = None
        self.refusal: str | None = None

    def __enter__(self) -> "saving":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if error is None:
            return False
        if isinstance(error, Refused):
            db.session.rollback()
            self.refusal = str(error)
            self._show(error)
            return True
        if isinstance(error, EditConflict | StaleDataError) and self.conflict_on is not None:
            db.session.rollback()
            model, object_id = self.conflict_on
            stored = db.session.get(model, object_id)
            if stored is None:  # removed meanwhile: there is nothing left to edit
                abort(404)
            # who saved in between, from the audit trail (the audit feature provides it)
            notice = current_app.extensions["knowtrans.conflict_notice"]
            self.conflict = notice(stored, self.what, viewer=current_user)
            version = getattr(self.form, "version", None)
            if version is not None:
                version.data = stored.version
            return True
        return False

    def _show(self, refusal: Refused) -> None:
        if self.form is None:
            flash(str(refusal), "error")
            return
        field = getattr(self.form, refusal.field, None) if refusal.field else None
        if field is not None:
            field.errors = [*field.errors, str(refusal)]
        else:
            self.form.form_errors.append(str(refusal))


def _remember_flashes() -> None:
    g.flashes_before = len(session.get("_flashes", []))


def _forget_flashes() -> None:
    """Drop the messages this request flashed: what they announce did not happen."""
    flashes = session.get("_flashes")
    if flashes is not None:
        session["_flashes"] = flashes[: g.get("flashes_before", len(flashes))]


def finish_request(response: BaseResponse) -> BaseResponse:
    """Commit a request that succeeded; roll back one that did not."""
    if response.status_code >= 400:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except (StaleDataError, EditConflict, sa.exc.IntegrityError) as error:
        db.session.rollback()
        if isinstance(error, sa.exc.IntegrityError) and not is_foreign_key_violation(error):
            raise
        current_app.logger.info("conflict at commit: %r", error)
        _forget_flashes()
        return answer_conflict()
    send_committed()  # the jobs the request asked for, now that what they read is stored
    return response


def answer_conflict() -> BaseResponse:
    """Back to the page the user came from on this site (or the start page), with a message."""
    from knowtrans.core.urls import local_referrer

    flash(_(CONFLICT_MESSAGE), "warning")
    return redirect(local_referrer() or url_for("dashboard.index"), code=303)


def init_pipeline(app: Flask, *, conflict_notice: Any) -> None:
    """``conflict_notice(obj, what, viewer=…)`` names who saved ``obj`` in between."""
    app.extensions["knowtrans.conflict_notice"] = conflict_notice
    app.before_request(_remember_flashes)
    app.after_request(finish_request)
