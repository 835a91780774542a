from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_limiter import RouteLimit
from flask_login import current_user, login_required

from knowtrans import permissions
from knowtrans.auth.forms import ChangePasswordForm, LoginForm, ProfileForm
from knowtrans.auth.operations import (
    WrongPassword,
    authenticate,
    change_own_password,
    update_profile,
)
from knowtrans.auth.sessions import end_session, start_session
from knowtrans.core.forms import ConfirmForm
from knowtrans.core.i18n import SESSION_KEY, is_language
from knowtrans.core.pipeline import saving
from knowtrans.core.urls import local_referrer, safe_next
from knowtrans.extensions import limiter
from knowtrans.permissions import require
from knowtrans.users.operations import normalise_email

bp = Blueprint("auth", __name__)


def _account_key(email: str) -> str:
    return "login-account:" + normalise_email(email)[:254]


def _login_account_key() -> str:
    """Failed sign-ins count per account as well as per address."""
    return _account_key(request.form.get("email", ""))


def _own_account_key() -> str:
    """Wrong current passwords count against the signed-in user's account."""
    return _account_key(getattr(current_user, "email", ""))


def _failed(response: Response) -> bool:
    """Only failed attempts use up the limit (a success redirects)."""
    return response.status_code != 302


def _wrong_current_password(response: Response) -> bool:
    return g.get("wrong_current_password", False)


def _account_limit(
    key_func: Callable[[], str], deduct_when: Callable[[Response], bool]
) -> RouteLimit:
    """Failed sign-ins and wrong current passwords of one account share one budget."""
    return limiter.shared_limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
        scope="login-account",
        methods=["POST"],
        key_func=key_func,
        deduct_when=deduct_when,
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed
)
@_account_limit(_login_account_key, _failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        # a failed attempt is recorded; the request commits it
        user = authenticate(form.email.data, form.password.data, remote_addr=request.remote_addr)
        if user is not None:
            start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("dashboard.index"))
        form.password.errors.append(
            _("Email or password is not correct, or the account is inactive.")
        )
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Signing out ends every session of the user, on every device."""
    form = ConfirmForm()
    if form.validate_on_submit():
        end_session(current_user, everywhere=True)
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@_account_limit(_own_account_key, _wrong_current_password)
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm(user=user)
    if form.validate_on_submit():
        with saving(form):
            try:
                change_own_password(
                    user,
                    form.current_password.data,
                    form.password.data,
                    remote_addr=request.remote_addr,
                )
            except WrongPassword as refusal:  # recorded: the request commits the failed guess
                g.wrong_current_password = True
                form.current_password.errors.append(str(refusal))
            else:
                start_session(user)  # this session goes on; every other one has ended
                flash(_("Your password is changed. You are signed out everywhere else."), "success")
                return redirect(url_for("dashboard.index"))
    return render_template("auth/change_password.html", form=form)


@bp.post("/language")
def language():
    """The language of the signed-out pages, chosen with the switch in their header (a
    signed-in user's comes from their profile); back to the page the switch was on."""
    code = request.form.get("language")
    if not is_language(code):
        abort(400)
    session[SESSION_KEY] = code
    back = safe_next(request.form.get("next")) or local_referrer()
    return redirect(back or url_for("auth.login"))


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The signed-in user's own language and time zone."""
    user = current_user._get_current_object()
    require(permissions.can_edit_profile(user, user))
    form = ProfileForm()
    if request.method == "GET":
        form.language.data = user.language
        form.timezone.data = user.timezone or ""
    if form.validate_on_submit():
        with saving(form):
            changed = update_profile(user, language=form.language.data, timezone=form.timezone.data)
            refresh()  # the rest of the request speaks the language just chosen
            if changed:
                flash(_("Your profile is saved."), "success")
            else:
                flash(_("Nothing was changed in your profile."), "info")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)
