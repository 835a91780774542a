from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from knowtrans.core.formatting import format_number
from knowtrans.core.forms import ConfirmForm
from knowtrans.core.limits import write_allowed
from knowtrans.core.pipeline import load, saving
from knowtrans.engagements.models import Engagement
from knowtrans.permissions import Action, authorize
from knowtrans.plans import operations
from knowtrans.plans.forms import (
    AssignLearnersForm,
    LearnerRoleForm,
    LearnerSearch,
    NotesForm,
    PhaseForm,
    PlanItemEditForm,
    PlanItemsForm,
    SkillSearch,
)
from knowtrans.plans.models import Assignment, Criticality, LearnerRole, Phase, PlanItem
from knowtrans.users.models import User

bp = Blueprint("plans", __name__)

#: what the plan's pages read of an item and of an assignment
ITEM = (joinedload(PlanItem.engagement), joinedload(PlanItem.skill))
ASSIGNMENT = (
    joinedload(Assignment.plan_item).joinedload(PlanItem.engagement),
    joinedload(Assignment.plan_item).joinedload(PlanItem.skill),
    joinedload(Assignment.learner),
)


#: the assign page names who is on the item already (their roles are not read)
ASSIGNED = (
    selectinload(PlanItem.assignments).joinedload(Assignment.learner).lazyload(User.role_rows),
)


def _editable_item(item_id: int, *options) -> PlanItem:
    """The plan item the URL names, when the user may edit the plan (404 or 403 otherwise)."""
    item = load(PlanItem, item_id, *ITEM, *options)
    authorize(Action.EDIT_PLAN, item)
    return item


def _editable_assignment(assignment_id: int) -> Assignment:
    """The assignment the URL names, when the user may edit the plan (404 or 403 otherwise)."""
    assignment = load(Assignment, assignment_id, *ASSIGNMENT)
    authorize(Action.EDIT_PLAN, assignment)
    return assignment


def _back_to_assignment(assignment: Assignment):
    """Where a learner's phase and role are managed; from the top, so the message shows."""
    return redirect(url_for("learning.assignment", assignment_id=assignment.id))


def _back_to_plan(engagement_id: int, item_id: int | None = None):
    anchor = f"item-{item_id}" if item_id else "plan-heading"
    return redirect(url_for("engagements.show", engagement_id=engagement_id, _anchor=anchor))


def _save_each(form, save: Callable[[Any], Any]) -> list | None:
    """``save(row)`` for every ticked row of ``form``, in one unit of work: when the operation
    refuses a row, everything saved before it is rolled back, the message stands at the row
    and the answer is None."""
    saved = []
    for row in form.chosen_rows:
        with saving(row) as attempt:
            saved.append(save(row))
        if attempt.refusal:
            form.reload()
            return None
    return saved


@bp.route("/engagements/<int:engagement_id>/plan/new", methods=["GET", "POST"])
@login_required
def new_item(engagement_id: int):
    engagement = load(Engagement, engagement_id)
    authorize(Action.EDIT_PLAN, engagement)
    search = SkillSearch(request.args)
    form = PlanItemsForm(engagement=engagement, search=search.text)
    if form.validate_on_submit():
        added = _save_each(
            form,
            lambda row: operations.create_plan_item(
                engagement,
                skill=row.record,
                target_level=row.target_level.data,
                criticality=Criticality(row.criticality.data),
                due_date=row.due_date.data,
                actor=current_user,
            ),
        )
        if added is not None:
            names = [item.skill.name for item in added]
            if len(added) == 1:
                flash(_("Added %(skill)s to the plan.", skill=names[0]), "success")
                return _back_to_plan(engagement.id, added[0].id)
            message = ngettext(
                "Added %(count)s skill to the plan: %(skills)s.",
                "Added %(count)s skills to the plan: %(skills)s.",
                len(added),
                count=format_number(len(added)),
                skills=", ".join(names),
            )
            flash(message, "success")
            return _back_to_plan(engagement.id)
    return render_template("plans/add_items.html", form=form, search=search, engagement=engagement)


@bp.route("/plan-items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int):
    item = _editable_item(item_id)
    engagement = item.engagement
    form = PlanItemEditForm(obj=item)
    with saving(form, conflict_on=item, what="plan item") as save:
        if form.validate_on_submit():
            changes = operations.update_plan_item(
                item,
                target_level=form.target_level.data,
                criticality=Criticality(form.criticality.data),
                due_date=form.due_date.data,
                version=form.version.data,
                actor=current_user,
            )
            if changes:
                saved = _(
                    "Saved %(skill)s: %(changes)s.",
                    skill=item.skill.name,
                    changes="; ".join(changes),
                )
                flash(saved, "success")
            else:
                flash(_("Nothing was changed on %(skill)s.", skill=item.skill.name), "info")
            return _back_to_plan(engagement.id, item.id)
    return render_template(
        "plans/item_form.html", form=form, engagement=engagement, item=item, conflict=save.conflict
    )


@bp.post("/plan-items/<int:item_id>/delete")
@login_required
def delete_item(item_id: int):
    item = _editable_item(item_id)
    engagement_id = item.engagement_id
    if not ConfirmForm().validate_on_submit():
        flash(_("The request could not be read; nothing was removed. Please try again."), "error")
        return _back_to_plan(engagement_id, item.id)
    name = item.skill.name
    with saving():
        operations.delete_plan_item(item, actor=current_user)
        flash(_("Removed %(skill)s from the plan.", skill=name), "success")
        return _back_to_plan(engagement_id)
    return _back_to_plan(engagement_id, item_id)


@bp.route("/plan-items/<int:item_id>/notes", methods=["GET", "POST"])
@login_required
def notes(item_id: int):
    item = load(PlanItem, item_id, *ITEM)
    authorize(Action.WRITE_NOTES, item)
    form = NotesForm(obj=item)
    with saving(form, conflict_on=item, what="plan item") as save:
        if form.validate_on_submit() and write_allowed(current_user, form):
            saved = operations.set_handover_notes(
                item, form.handover_notes.data, version=form.version.data, actor=current_user
            )
            if saved:
                flash(_("Handover notes for %(skill)s saved.", skill=item.skill.name), "success")
            else:
                unchanged = _(
                    "The handover notes for %(skill)s were not changed.", skill=item.skill.name
                )
                flash(unchanged, "info")
            return redirect(url_for(".notes", item_id=item.id))
    return render_template(
        "plans/notes.html", form=form, item=item, engagement=item.engagement, conflict=save.conflict
    )


@bp.route("/plan-items/<int:item_id>/assign", methods=["GET", "POST"])
@login_required
def assign(item_id: int):
    item = _editable_item(item_id, *ASSIGNED)
    search = LearnerSearch(request.args)
    form = AssignLearnersForm(item=item, search=search.text)
    if form.validate_on_submit():
        assigned = _save_each(
            form,
            lambda row: operations.assign_learner(
                item,
                learner=row.record,
                learner_role=LearnerRole(row.learner_role.data),
                actor=current_user,
            ),
        )
        if assigned is not None:
            flash(_assigned_message(item, assigned), "success")
            return _back_to_plan(item.engagement_id, item.id)
    return render_template(
        "plans/assign.html", form=form, search=search, item=item, engagement=item.engagement
    )


def _assigned_message(item: PlanItem, assigned: list[Assignment]) -> str:
    skill = item.skill.name
    if len(assigned) == 1:
        name = assigned[0].learner.name
        if assigned[0].learner_role is LearnerRole.PRIMARY:
            return _("Assigned %(name)s (primary) to %(skill)s.", name=name, skill=skill)
        return _("Assigned %(name)s (backup) to %(skill)s.", name=name, skill=skill)
    learners = [
        _("%(name)s (primary)", name=assignment.learner.name)
        if assignment.learner_role is LearnerRole.PRIMARY
        else _("%(name)s (backup)", name=assignment.learner.name)
        for assignment in assigned
    ]
    return ngettext(
        "Assigned %(count)s learner to %(skill)s: %(learners)s.",
        "Assigned %(count)s learners to %(skill)s: %(learners)s.",
        len(assigned),
        count=format_number(len(assigned)),
        skill=skill,
        learners=", ".join(learners),
    )


@bp.post("/assignments/<int:assignment_id>/unassign")
@login_required
def unassign(assignment_id: int):
    assignment = _editable_assignment(assignment_id)
    item = assignment.plan_item
    if not ConfirmForm().validate_on_submit():
        flash(_("The request could not be read; nothing was changed. Please try again."), "error")
        return _back_to_assignment(assignment)
    name = assignment.learner.name
    with saving():
        operations.unassign_learner(assignment, actor=current_user)
        flash(_("Unassigned %(name)s from %(skill)s.", name=name, skill=item.skill.name), "success")
        return _back_to_plan(item.engagement_id, item.id)
    return _back_to_assignment(assignment)


@bp.post("/assignments/<int:assignment_id>/role")
@login_required
def set_role(assignment_id: int):
    assignment = _editable_assignment(assignment_id)
    form = LearnerRoleForm()
    if not form.validate_on_submit():
        flash(_("The learner's role was not changed: choose primary or backup."), "error")
        return _back_to_assignment(assignment)
    role = LearnerRole(form.learner_role.data)
    name = assignment.learner.name
    primary = role is LearnerRole.PRIMARY
    if operations.set_learner_role(assignment, role, actor=current_user):
        if primary:
            flash(_("%(name)s is now the primary learner.", name=name), "success")
        else:
            flash(_("%(name)s is now the backup learner.", name=name), "success")
    elif primary:
        flash(_("%(name)s is already the primary learner.", name=name), "info")
    else:
        flash(_("%(name)s is already the backup learner.", name=name), "info")
    return _back_to_assignment(assignment)


@bp.post("/assignments/<int:assignment_id>/phase")
@login_required
def set_phase(assignment_id: int):
    assignment = _editable_assignment(assignment_id)
    item = assignment.plan_item
    form = PhaseForm()
    if not form.validate_on_submit():
        reason = form.phase.errors[0] if form.phase.errors else _("The form could not be read.")
        flash(_("The phase was not changed. %(reason)s", reason=reason), "error")
        return _back_to_assignment(assignment)
    phase = Phase(form.phase.data)
    name = assignment.learner.name
    with saving():
        if operations.set_phase(assignment, phase, actor=current_user):
            moved = _(
                "Moved %(name)s to %(phase)s on %(skill)s.",
                name=name,
                phase=phase.label,
                skill=item.skill.name,
            )
            flash(moved, "success")
        else:
            already = _(
                "%(name)s is already in %(phase)s on %(skill)s.",
                name=name,
                phase=phase.label,
                skill=item.skill.name,
            )
            flash(already, "info")
    return _back_to_assignment(assignment)
