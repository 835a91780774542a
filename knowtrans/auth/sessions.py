"""Session rules: a new session at login, idle and absolute timeouts, sessions that end."""

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user

from knowtrans.core.clock import utcnow
from knowtrans.core.i18n import SESSION_KEY, is_language
from knowtrans.core.urls import MAX_ID
from knowtrans.extensions import db, login_manager
from knowtrans.users.models import User
from knowtrans.users.operations import end_sessions

LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
#: a request refreshes the idle clock at most this often (seconds), to spare cookie churn
SEEN_RESOLUTION = 60


@login_manager.user_loader
def load_user(session_user_id: str) -> User | None:
    """The signed-in user, unless the session is an old one or the account is inactive."""
    user_id, _, version = session_user_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()) or int(user_id) > MAX_ID:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def start_session(user: User) -> None:
    """Sign ``user`` in with a fresh session: nothing of the anonymous one is carried over."""
    session.clear()
    session.permanent = True
    login_user(user)
    now = int(utcnow().timestamp())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def end_session(user: User, *, everywhere: bool) -> None:
    if everywhere:
        end_sessions(user)
    _sign_out(user.language)


def _sign_out(language: str | None) -> None:
    """End the session; the signed-out pages that follow go on in the user's language."""
    logout_user()
    session.clear()
    if is_language(language):
        session[SESSION_KEY] = language
    refresh()


def init_sessions(app: Flask) -> None:
    @app.before_request
    def enforce_timeouts():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        now = int(utcnow().timestamp())
        login_at = session.get(LOGIN_AT, 0)
        seen_at = session.get(SEEN_AT, 0)
        config = current_app.config
        if (
            now - login_at > config["SESSION_ABSOLUTE_TIMEOUT"]
            or now - seen_at > config["SESSION_IDLE_TIMEOUT"]
        ):
            _sign_out(current_user.language)
            flash(_("Your session has expired. Please sign in again."), "info")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if now - seen_at >= SEEN_RESOLUTION:
            session[SEEN_AT] = now
        return None
