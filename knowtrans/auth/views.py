from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from knowtrans.auth.forms import ChangePasswordForm, LoginForm
from knowtrans.auth.operations import authenticate
from knowtrans.auth.passwords import verify_password
from knowtrans.auth.sessions import end_session, start_session
from knowtrans.core.forms import ConfirmForm
from knowtrans.extensions import db, limiter
from knowtrans.users.operations import PasswordRefused, normalise_email, set_password

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a local path: no scheme, no host, no ``//`` or ``/\\`` tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target


def _login_account_key() -> str:
    """Failed sign-ins count per account as well as per address."""
    return "login-account:" + normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    """Only failed attempts use up the limit (a success redirects)."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_login_account_key,
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data, remote_addr=request.remote_addr)
        db.session.commit()
        if user is not None:
            start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("dashboard.index"))
        form.password.errors.append("Email or password is not correct, or the account is inactive.")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Signing out ends every session of the user, on every device."""
    form = ConfirmForm()
    if form.validate_on_submit():
        end_session(current_user, everywhere=True)
        db.session.commit()
        flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm(user=user)
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append("This is not your current password.")
            return render_template("auth/change_password.html", form=form)
        try:
            set_password(user, form.password.data, actor=user)
        except PasswordRefused as refusal:
            db.session.rollback()
            form.password.errors.append(str(refusal))
        else:
            db.session.commit()
            start_session(user)  # this session goes on; every other one has ended
            flash("Your password is changed. You are signed out everywhere else.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/change_password.html", form=form)
