from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from knowtrans import permissions
from knowtrans.audit.queries import conflict_notice
from knowtrans.auth.models import User
from knowtrans.core.concurrency import ConflictNotice, EditConflict
from knowtrans.core.forms import ConfirmForm
from knowtrans.core.limits import write_allowed
from knowtrans.engagements.models import Engagement
from knowtrans.engagements.queries import get_or_404
from knowtrans.extensions import db
from knowtrans.permissions import require, require_change
from knowtrans.plans import operations
from knowtrans.plans.forms import (
    AssignForm,
    LearnerRoleForm,
    NotesForm,
    PhaseForm,
    PlanItemEditForm,
    PlanItemForm,
)
from knowtrans.plans.models import Assignment, Criticality, LearnerRole, Phase, PlanItem
from knowtrans.skills.models import Skill

bp = Blueprint("plans", __name__)


def _plan_item(item_id: int) -> PlanItem:
    item = get_or_404(
        PlanItem, item_id, joinedload(PlanItem.engagement), joinedload(PlanItem.skill)
    )
    require(permissions.can_view_engagement(current_user, item.engagement), hide=True)
    return item


def _editable_plan_item(item_id: int) -> PlanItem:
    item = _plan_item(item_id)
    require_change(permissions.can_edit_plan(current_user, item.engagement), item.engagement)
    return item


def _editable_assignment(assignment_id: int) -> Assignment:
    assignment = get_or_404(
        Assignment,
        assignment_id,
        joinedload(Assignment.plan_item).joinedload(PlanItem.engagement),
        joinedload(Assignment.plan_item).joinedload(PlanItem.skill),
        joinedload(Assignment.learner),
    )
    engagement = assignment.plan_item.engagement
    require(permissions.can_view_engagement(current_user, engagement), hide=True)
    require_change(permissions.can_edit_plan(current_user, engagement), engagement)
    return assignment


def _conflict(item_id: int, form: PlanItemEditForm | NotesForm) -> ConflictNotice:
    """Undo the refused save; the form keeps the user's text and takes the stored version, so
    saving again on purpose replaces it."""
    db.session.rollback()
    item = db.session.get(PlanItem, item_id) or abort(404)
    form.version.data = item.version
    return conflict_notice(item, "plan item", viewer=current_user)


def _back_to_assignment(assignment: Assignment):
    """Where a learner's phase and role are managed; from the top, so the message shows."""
    return redirect(url_for("learning.assignment", assignment_id=assignment.id))


def _back_to_plan(engagement_id: int, item_id: int | None = None):
    anchor = f"item-{item_id}" if item_id else "plan-heading"
    return redirect(url_for("engagements.show", engagement_id=engagement_id, _anchor=anchor))


@bp.route("/engagements/<int:engagement_id>/plan/new", methods=["GET", "POST"])
@login_required
def new_item(engagement_id: int):
    engagement = get_or_404(Engagement, engagement_id)
    require(permissions.can_view_engagement(current_user, engagement), hide=True)
    require_change(permissions.can_edit_plan(current_user, engagement), engagement)
    form = PlanItemForm(engagement=engagement)
    if form.validate_on_submit():
        skill = db.session.get(Skill, form.skill_id.data)
        try:
            item = operations.create_plan_item(
                engagement,
                skill=skill,
                target_level=form.target_level.data,
                criticality=Criticality(form.criticality.data),
                due_date=form.due_date.data,
                actor=current_user,
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.skill_id.errors.append(f"{skill.name} is already on this plan.")
        else:
            flash(f"Added {skill.name} to the plan.", "success")
            return _back_to_plan(engagement.id, item.id)
    return render_template("plans/item_form.html", form=form, engagement=engagement, item=None)


@bp.route("/plan-items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int):
    item = _editable_plan_item(item_id)
    engagement = item.engagement
    form = PlanItemEditForm(obj=item, engagement=engagement)
    conflict = None
    if form.validate_on_submit():
        try:
            changes = operations.update_plan_item(
                item,
                target_level=form.target_level.data,
                criticality=Criticality(form.criticality.data),
                due_date=form.due_date.data,
                version=form.version.data,
                actor=current_user,
            )
            db.session.commit()
        except (EditConflict, StaleDataError):
            conflict = _conflict(item_id, form)
        else:
            if changes:
                flash(f"Saved {item.skill.name}: {'; '.join(changes)}.", "success")
            else:
                flash(f"Nothing was changed on {item.skill.name}.", "info")
            return _back_to_plan(engagement.id, item.id)
    return render_template(
        "plans/item_form.html", form=form, engagement=engagement, item=item, conflict=conflict
    )


@bp.post("/plan-items/<int:item_id>/delete")
@login_required
def delete_item(item_id: int):
    item = _editable_plan_item(item_id)
    engagement_id = item.engagement_id
    if not ConfirmForm().validate_on_submit():
        flash("The request could not be read; nothing was removed. Please try again.", "error")
        return _back_to_plan(engagement_id, item.id)
    name = item.skill.name
    try:
        operations.delete_plan_item(item, actor=current_user)
        db.session.commit()
    except operations.Refused as refusal:
        flash(str(refusal), "error")
        return _back_to_plan(engagement_id, item.id)
    except StaleDataError:
        db.session.rollback()
        flash(f"{name} was changed while you removed it; nothing was removed.", "warning")
        return _back_to_plan(engagement_id, item_id)
    flash(f"Removed {name} from the plan.", "success")
    return _back_to_plan(engagement_id)


@bp.route("/plan-items/<int:item_id>/notes", methods=["GET", "POST"])
@login_required
def notes(item_id: int):
    item = _plan_item(item_id)
    require_change(permissions.can_confirm_levels(current_user, item.engagement), item.engagement)
    form = NotesForm(obj=item)
    conflict = None
    if form.validate_on_submit() and write_allowed(current_user, form):
        try:
            saved = operations.set_handover_notes(
                item, form.handover_notes.data, version=form.version.data, actor=current_user
            )
            db.session.commit()
        except (EditConflict, StaleDataError):
            conflict = _conflict(item_id, form)
        else:
            if saved:
                flash(f"Handover notes for {item.skill.name} saved.", "success")
            else:
                flash(f"The handover notes for {item.skill.name} were not changed.", "info")
            return redirect(url_for(".notes", item_id=item.id))
    return render_template(
        "plans/notes.html", form=form, item=item, engagement=item.engagement, conflict=conflict
    )


@bp.route("/plan-items/<int:item_id>/assign", methods=["GET", "POST"])
@login_required
def assign(item_id: int):
    item = _editable_plan_item(item_id)
    form = AssignForm(item=item)
    if form.validate_on_submit():
        learner = db.session.get(User, form.learner_id.data)
        role = LearnerRole(form.learner_role.data)
        try:
            operations.assign_learner(item, learner=learner, learner_role=role, actor=current_user)
            db.session.commit()
        except operations.Refused as refusal:
            form.learner_id.errors.append(str(refusal))
        except IntegrityError:
            db.session.rollback()
            form.learner_id.errors.append(
                f"{learner.name} is already assigned to {item.skill.name}."
            )
        else:
            flash(f"Assigned {learner.name} ({role.value}) to {item.skill.name}.", "success")
            return _back_to_plan(item.engagement_id, item.id)
    return render_template("plans/assign.html", form=form, item=item, engagement=item.engagement)


@bp.post("/assignments/<int:assignment_id>/unassign")
@login_required
def unassign(assignment_id: int):
    assignment = _editable_assignment(assignment_id)
    item = assignment.plan_item
    if not ConfirmForm().validate_on_submit():
        flash("The request could not be read; nothing was changed. Please try again.", "error")
        return _back_to_assignment(assignment)
    name = assignment.learner.name
    try:
        operations.unassign_learner(assignment, actor=current_user)
    except operations.Refused as refusal:
        flash(str(refusal), "error")
        return _back_to_assignment(assignment)
    db.session.commit()
    flash(f"Unassigned {name} from {item.skill.name}.", "success")
    return _back_to_plan(item.engagement_id, item.id)


@bp.post("/assignments/<int:assignment_id>/role")
@login_required
def set_role(assignment_id: int):
    assignment = _editable_assignment(assignment_id)
    form = LearnerRoleForm()
    if not form.validate_on_submit():
        flash("The learner's role was not changed: choose primary or backup.", "error")
        return _back_to_assignment(assignment)
    role = LearnerRole(form.learner_role.data)
    if operations.set_learner_role(assignment, role, actor=current_user):
        db.session.commit()
        flash(f"{assignment.learner.name} is now the {role.value} learner.", "success")
    return _back_to_assignment(assignment)


@bp.post("/assignments/<int:assignment_id>/phase")
@login_required
def set_phase(assignment_id: int):
    assignment = _editable_assignment(assignment_id)
    item = assignment.plan_item
    form = PhaseForm()
    if not form.validate_on_submit():
        reason = form.phase.errors[0] if form.phase.errors else "The form could not be read."
        flash(f"The phase was not changed. {reason}", "error")
        return _back_to_assignment(assignment)
    phase = Phase(form.phase.data)
    name = assignment.learner.name
    try:
        changed = operations.set_phase(assignment, phase, actor=current_user)
    except operations.Refused as refusal:
        flash(str(refusal), "error")
        return _back_to_assignment(assignment)
    if changed:
        db.session.commit()
        flash(f"Moved {name} to {phase.label} on {item.skill.name}.", "success")
    else:
        flash(f"{name} is already in {phase.label} on {item.skill.name}.", "info")
    return _back_to_assignment(assignment)
