"""User administration: accounts, roles, passwords, deactivation. Admins only."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from knowtrans import permissions
from knowtrans.core.forms import ConfirmForm
from knowtrans.core.pagination import paginate
from knowtrans.core.pipeline import load, saving
from knowtrans.core.urls import next_or, safe_next
from knowtrans.permissions import require
from knowtrans.users import operations
from knowtrans.users.forms import (
    ROLE_HINTS,
    PasswordForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from knowtrans.users.models import Role, User
from knowtrans.users.queries import accounts

bp = Blueprint("users", __name__)


@bp.route("/admin/users")
@login_required
def index():
    require(permissions.can_manage_users(current_user))
    filters = UserFilterForm(formdata=request.args)
    applied = filters.applied()
    query = accounts(applied)
    pagination = paginate(query)
    return render_template(
        "users/index.html",
        users=pagination.items,
        pagination=pagination,
        filters=filters,
        applied=applied,
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def new():
    require(permissions.can_manage_users(current_user))
    form = UserCreateForm()
    if form.validate_on_submit():
        with saving(form):
            user = operations.create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                roles=form.chosen_roles,
                kind=form.chosen_kind,
                language=form.language.data,
                timezone=form.chosen_timezone,
                actor=current_user,
            )
            flash(
                _(
                    "Created %(name)s (%(email)s). Give them the initial password "
                    "over a separate channel.",
                    name=user.name,
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("users.index"))
    return render_template(
        "users/form.html",
        form=form,
        user=None,
        role_hints=ROLE_HINTS,
        back=url_for("users.index"),
    )


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def edit(user_id: int):
    require(permissions.can_manage_users(current_user))
    user = load(User, user_id)
    back = next_or(url_for("users.index"))
    form = UserEditForm(editing=user)
    if request.method == "GET":
        form.email.data = user.email
        form.name.data = user.name
        form.kind.data = user.kind.value
        form.roles.data = [role.value for role in Role if role in user.roles]
        form.version.data = user.version
    with saving(form, conflict_on=user, what="user") as save:
        if form.validate_on_submit():
            changed = operations.update_user(
                user,
                email=form.email.data,
                name=form.name.data,
                roles=form.chosen_roles,
                kind=form.chosen_kind,
                language=form.language.data,
                timezone=form.chosen_timezone,
                version=form.version.data,
                actor=current_user,
            )
            if changed:
                flash(_("Saved %(name)s (%(email)s).", name=user.name, email=user.email), "success")
            else:
                flash(
                    _(
                        "Nothing was changed on %(name)s (%(email)s).",
                        name=user.name,
                        email=user.email,
                    ),
                    "info",
                )
            return redirect(back)
    return render_template(
        "users/form.html",
        form=form,
        user=user,
        role_hints=ROLE_HINTS,
        conflict=save.conflict,
        back=back,
    )


@bp.route("/admin/users/<int:user_id>/password", methods=["GET", "POST"])
@login_required
def password(user_id: int):
    require(permissions.can_manage_users(current_user))
    user = load(User, user_id)
    if user.id == current_user.id:
        # a reset ends every session of the account; one's own password is changed with the
        # current one, and the session stays
        flash(_("Your own password is changed here, with your current one."), "info")
        return redirect(url_for("auth.change_password"))
    form = PasswordForm(user=user)
    if form.validate_on_submit():
        with saving(form):
            operations.set_password(user, form.password.data, actor=current_user)
            flash(
                _(
                    "New password set for %(name)s. Give it to them over a separate channel.",
                    name=user.name,
                ),
                "success",
            )
            return redirect(url_for("users.index"))
    return render_template("users/password.html", form=form, user=user)


@bp.post("/admin/users/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    require(permissions.can_manage_users(current_user))
    user = load(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("active")
    if wanted not in {"0", "1"}:
        abort(400)
    active = wanted == "1"
    with saving():
        if not operations.set_active(user, active, actor=current_user):
            if active:
                flash(_("%(name)s is active already.", name=user.name), "info")
            else:
                flash(_("%(name)s is inactive already.", name=user.name), "info")
        elif active:
            flash(_("Reactivated %(name)s; they can sign in again.", name=user.name), "success")
        else:
            flash(_("Deactivated %(name)s; they can no longer sign in.", name=user.name), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("users.index"))
