"""The skill catalogue: the skills plan items are made of. Admin, CTO and IT lead."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from knowtrans import permissions
from knowtrans.audit.queries import conflict_notice
from knowtrans.core.concurrency import ConflictNotice, EditConflict
from knowtrans.core.forms import ConfirmForm
from knowtrans.core.pagination import paginate, past_the_end
from knowtrans.core.urls import safe_next
from knowtrans.extensions import db
from knowtrans.permissions import require
from knowtrans.plans.models import PlanItem
from knowtrans.skills import operations
from knowtrans.skills.forms import (
    CATEGORY_LIST_ID,
    SkillFilterForm,
    SkillForm,
    duplicate_name_message,
)
from knowtrans.skills.models import Skill

bp = Blueprint("skills", __name__)


def _categories() -> list[str]:
    query = sa.select(Skill.category).distinct().order_by(Skill.category)
    return list(db.session.scalars(query))


def _get_skill(skill_id: int) -> Skill:
    return db.session.get(Skill, skill_id) or abort(404)


def _any_skill() -> bool:
    return db.session.execute(sa.select(Skill.id).limit(1)).first() is not None


def _plan_item_counts(skills: list[Skill]) -> dict[int, int]:
    """How many plan items use each skill, in one query for the whole page."""
    if not skills:
        return {}
    query = (
        sa.select(PlanItem.skill_id, sa.func.count(PlanItem.id))
        .where(PlanItem.skill_id.in_([skill.id for skill in skills]))
        .group_by(PlanItem.skill_id)
    )
    return dict(db.session.execute(query).all())


@bp.route("/skills")
@login_required
def index():
    require(permissions.can_manage_skills(current_user))
    filters = SkillFilterForm(formdata=request.args, categories=_categories())
    applied = filters.applied()
    query = sa.select(Skill).order_by(sa.func.lower(Skill.category), sa.func.lower(Skill.name))
    if "q" in applied:
        query = query.where(
            sa.or_(
                Skill.name.icontains(applied["q"], autoescape=True),
                Skill.description.icontains(applied["q"], autoescape=True),
            )
        )
    if "category" in applied:
        query = query.where(Skill.category == applied["category"])
    if "archived" not in applied:
        query = query.where(Skill.archived.is_(False))
    pagination = paginate(query)
    if last_page := past_the_end(pagination):
        return last_page
    return render_template(
        "skills/index.html",
        skills=pagination.items,
        pagination=pagination,
        plan_item_counts=_plan_item_counts(pagination.items),
        filters=filters,
        applied=applied,
        catalogue_empty=not applied and pagination.total == 0 and not _any_skill(),
    )


@bp.route("/skills/new", methods=["GET", "POST"])
@login_required
def new():
    require(permissions.can_manage_skills(current_user))
    form = SkillForm()
    if form.validate_on_submit():
        try:
            skill = operations.create_skill(
                name=form.name.data,
                category=form.category.data,
                description=form.description.data or "",
                actor=current_user,
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.name.errors.append(_duplicate_after_race(form.name.data))
        else:
            flash(f"Added {skill.name} to the catalogue.", "success")
            return redirect(url_for("skills.index"))
    return _render_form(form, skill=None)


@bp.route("/skills/<int:skill_id>/edit", methods=["GET", "POST"])
@login_required
def edit(skill_id: int):
    require(permissions.can_manage_skills(current_user))
    skill = _get_skill(skill_id)
    form = SkillForm(editing=skill)
    conflict = None
    if request.method == "GET":
        form.name.data = skill.name
        form.category.data = skill.category
        form.description.data = skill.description
        form.version.data = skill.version
    elif form.validate_on_submit():
        try:
            operations.update_skill(
                skill,
                name=form.name.data,
                category=form.category.data,
                description=form.description.data or "",
                version=form.version.data,
                actor=current_user,
            )
            db.session.commit()
        except (EditConflict, StaleDataError):
            db.session.rollback()
            skill = _get_skill(skill_id)
            conflict = conflict_notice(skill, "skill", viewer=current_user)
            form.version.data = skill.version
        except IntegrityError:
            db.session.rollback()
            form.name.errors.append(_duplicate_after_race(form.name.data, exclude_id=skill.id))
        else:
            flash(f"Saved {skill.name}.", "success")
            return redirect(url_for("skills.index"))
    return _render_form(form, skill=skill, conflict=conflict)


def _render_form(form: SkillForm, *, skill: Skill | None, conflict: ConflictNotice | None = None):
    return render_template(
        "skills/form.html",
        form=form,
        skill=skill,
        conflict=conflict,
        categories=_categories(),
        category_list_id=CATEGORY_LIST_ID,
    )


def _duplicate_after_race(name: str, *, exclude_id: int | None = None) -> str:
    """The field message when the unique index refused a name another request took first."""
    existing = operations.skill_named(name, exclude_id=exclude_id)
    if existing is not None:
        return duplicate_name_message(existing, renaming=exclude_id is not None)
    return f"A skill named “{name}” exists already."


@bp.post("/skills/<int:skill_id>/archive")
@login_required
def archive(skill_id: int):
    require(permissions.can_manage_skills(current_user))
    skill = _get_skill(skill_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if skill.archived:
        flash(f"{skill.name} is archived already.", "info")
    else:
        operations.archive_skill(skill, actor=current_user)
        db.session.commit()
        flash(
            f"Archived {skill.name}. Plans that use it keep it; new plan items cannot use it.",
            "success",
        )
    return redirect(safe_next(request.form.get("next")) or url_for("skills.index"))


@bp.post("/skills/<int:skill_id>/restore")
@login_required
def restore(skill_id: int):
    require(permissions.can_manage_skills(current_user))
    skill = _get_skill(skill_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not skill.archived:
        flash(f"{skill.name} is not archived.", "info")
    else:
        operations.restore_skill(skill, actor=current_user)
        db.session.commit()
        flash(f"Restored {skill.name}; it can be added to plans again.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("skills.index"))
