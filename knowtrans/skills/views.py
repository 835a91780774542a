"""The skill catalogue: the skills plan items are made of. Admin, CTO and IT lead."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from knowtrans import permissions
from knowtrans.core.concurrency import ConflictNotice
from knowtrans.core.forms import ConfirmForm
from knowtrans.core.pagination import paginate
from knowtrans.core.pipeline import load, saving
from knowtrans.core.urls import next_or, safe_next
from knowtrans.permissions import require
from knowtrans.skills import operations
from knowtrans.skills.forms import CATEGORY_LIST_ID, SkillFilterForm, SkillForm
from knowtrans.skills.models import Skill
from knowtrans.skills.queries import any_skill, catalogue, categories, plan_item_counts

bp = Blueprint("skills", __name__)


@bp.route("/skills")
@login_required
def index():
    require(permissions.can_manage_skills(current_user))
    filters = SkillFilterForm(formdata=request.args, categories=categories())
    applied = filters.applied()
    query = catalogue(applied)
    pagination = paginate(query)
    return render_template(
        "skills/index.html",
        skills=pagination.items,
        pagination=pagination,
        plan_item_counts=plan_item_counts(pagination.items),
        filters=filters,
        applied=applied,
        catalogue_empty=not applied and pagination.total == 0 and not any_skill(),
    )


@bp.route("/skills/new", methods=["GET", "POST"])
@login_required
def new():
    require(permissions.can_manage_skills(current_user))
    form = SkillForm()
    if form.validate_on_submit():
        with saving(form):
            skill = operations.create_skill(
                name=form.name.data,
                category=form.category.data,
                description=form.description.data or "",
                actor=current_user,
            )
            flash(_("Added %(name)s to the catalogue.", name=skill.name), "success")
            return redirect(url_for("skills.index"))
    return _render_form(form, skill=None)


@bp.route("/skills/<int:skill_id>/edit", methods=["GET", "POST"])
@login_required
def edit(skill_id: int):
    require(permissions.can_manage_skills(current_user))
    skill = load(Skill, skill_id)
    back = next_or(url_for("skills.index"))
    form = SkillForm(editing=skill)
    if request.method == "GET":
        form.name.data = skill.name
        form.category.data = skill.category
        form.description.data = skill.description
        form.version.data = skill.version
    with saving(form, conflict_on=skill, what="skill") as save:
        if form.validate_on_submit():
            changed = operations.update_skill(
                skill,
                name=form.name.data,
                category=form.category.data,
                description=form.description.data or "",
                version=form.version.data,
                actor=current_user,
            )
            if changed:
                flash(_("Saved %(name)s.", name=skill.name), "success")
            else:
                flash(_("Nothing was changed on %(name)s.", name=skill.name), "info")
            return redirect(back)
    return _render_form(form, skill=skill, conflict=save.conflict, back=back)


def _render_form(
    form: SkillForm,
    *,
    skill: Skill | None,
    conflict: ConflictNotice | None = None,
    back: str | None = None,
):
    return render_template(
        "skills/form.html",
        form=form,
        skill=skill,
        back=back or url_for("skills.index"),
        conflict=conflict,
        categories=categories(),
        category_list_id=CATEGORY_LIST_ID,
    )


@bp.post("/skills/<int:skill_id>/archive")
@login_required
def archive(skill_id: int):
    require(permissions.can_manage_skills(current_user))
    skill = load(Skill, skill_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with saving():
        if operations.archive_skill(skill, actor=current_user):
            archived = _(
                "Archived %(name)s. Plans that use it keep it; new plan items cannot use it.",
                name=skill.name,
            )
            flash(archived, "success")
        else:
            flash(_("%(name)s is archived already.", name=skill.name), "info")
    return redirect(safe_next(request.form.get("next")) or url_for("skills.index"))


@bp.post("/skills/<int:skill_id>/restore")
@login_required
def restore(skill_id: int):
    require(permissions.can_manage_skills(current_user))
    skill = load(Skill, skill_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with saving():
        if operations.restore_skill(skill, actor=current_user):
            restored = _("Restored %(name)s; it can be added to plans again.", name=skill.name)
            flash(restored, "success")
        else:
            flash(_("%(name)s is not archived.", name=skill.name), "info")
    return redirect(safe_next(request.form.get("next")) or url_for("skills.index"))
