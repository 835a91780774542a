"""User administration: accounts, roles, passwords, deactivation. Admins only."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from knowtrans import permissions
from knowtrans.auth.models import Role, User, UserRole
from knowtrans.core.forms import ConfirmForm
from knowtrans.core.pagination import paginate, past_the_end
from knowtrans.core.urls import safe_next
from knowtrans.extensions import db
from knowtrans.permissions import require
from knowtrans.users import operations
from knowtrans.users.forms import (
    DUPLICATE_EMAIL,
    ROLE_HINTS,
    PasswordForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
    user_version,
)

bp = Blueprint("users", __name__)


def _get_user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/admin/users")
@login_required
def index():
    require(permissions.can_manage_users(current_user))
    filters = UserFilterForm(formdata=request.args)
    applied = filters.applied()
    query = sa.select(User).order_by(sa.func.lower(User.name), User.id)
    if "q" in applied:
        query = query.where(
            sa.or_(
                User.name.icontains(applied["q"], autoescape=True),
                User.email.icontains(applied["q"], autoescape=True),
            )
        )
    if "role" in applied:
        query = query.where(User.role_rows.any(UserRole.role == Role(applied["role"])))
    if "active" in applied:
        query = query.where(User.active.is_(applied["active"] == "1"))
    pagination = paginate(query)
    if last_page := past_the_end(pagination):
        return last_page
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
    form = UserCreateForm(actor=current_user)
    if form.validate_on_submit():
        try:
            user = operations.create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                roles=form.chosen_roles,
                kind=form.chosen_kind,
                actor=current_user,
            )
            db.session.commit()
        except operations.PasswordRefused as refusal:
            db.session.rollback()
            form.password.errors.append(str(refusal))
        except IntegrityError:
            db.session.rollback()
            form.email.errors.append(DUPLICATE_EMAIL)
        else:
            flash(
                f"Created {user.name} ({user.email}). Give them the initial password "
                "over a separate channel.",
                "success",
            )
            return redirect(url_for("users.index"))
    return render_template("users/form.html", form=form, user=None, role_hints=ROLE_HINTS)


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def edit(user_id: int):
    require(permissions.can_manage_users(current_user))
    user = _get_user(user_id)
    form = UserEditForm(actor=current_user, editing=user)
    if request.method == "GET":
        form.email.data = user.email
        form.name.data = user.name
        form.kind.data = user.kind.value
        form.roles.data = [role.value for role in Role if role in user.roles]
        form.version.data = user_version(user)
    elif form.validate_on_submit():
        try:
            operations.update_user(
                user,
                email=form.email.data,
                name=form.name.data,
                roles=form.chosen_roles,
                kind=form.chosen_kind,
                actor=current_user,
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.email.errors.append(DUPLICATE_EMAIL)
        else:
            flash(f"Saved {user.name} ({user.email}).", "success")
            return redirect(url_for("users.index"))
    return render_template(
        "users/form.html", form=form, user=user, role_hints=ROLE_HINTS, active_form=ConfirmForm()
    )


@bp.route("/admin/users/<int:user_id>/password", methods=["GET", "POST"])
@login_required
def password(user_id: int):
    require(permissions.can_manage_users(current_user))
    user = _get_user(user_id)
    form = PasswordForm(user=user)
    if form.validate_on_submit():
        try:
            operations.set_password(user, form.password.data, actor=current_user)
        except operations.PasswordRefused as refusal:
            db.session.rollback()
            form.password.errors.append(str(refusal))
        else:
            db.session.commit()
            flash(
                f"New password set for {user.name}. Give it to them over a separate channel.",
                "success",
            )
            return redirect(url_for("users.index"))
    return render_template("users/password.html", form=form, user=user)


@bp.post("/admin/users/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    require(permissions.can_manage_users(current_user))
    user = _get_user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("active")
    if wanted not in {"0", "1"}:
        abort(400)
    active = wanted == "1"
    back = safe_next(request.form.get("next")) or url_for("users.index")
    if not active and user.id == current_user.id:
        flash("You cannot deactivate your own account; another admin has to do that.", "error")
    elif user.active == active:
        flash(f"{user.name} is {'active' if active else 'inactive'} already.", "info")
    else:
        operations.set_active(user, active, actor=current_user)
        db.session.commit()
        if active:
            flash(f"Reactivated {user.name}; they can sign in again.", "success")
        else:
            flash(f"Deactivated {user.name}; they can no longer sign in.", "success")
    return redirect(back)
