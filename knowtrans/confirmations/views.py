"""Confirming the level a learner has reached: the engagement's expert or an IT lead."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from knowtrans.confirmations import operations
from knowtrans.confirmations.forms import ConfirmLevelForm
from knowtrans.core.limits import write_allowed
from knowtrans.core.pipeline import load, saving
from knowtrans.extensions import db
from knowtrans.learning.queries import (
    assignment_loading_options,
    assignment_summaries,
    newest_entries_first,
)
from knowtrans.permissions import Action, authorize
from knowtrans.plans.models import Assignment

bp = Blueprint("confirmations", __name__)

#: learning entries shown on the confirmation page for context
RECENT_ENTRIES = 5


@bp.route("/assignments/<int:assignment_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm(assignment_id: int):
    assignment = load(Assignment, assignment_id, *assignment_loading_options())
    authorize(Action.CONFIRM, assignment)
    engagement = assignment.plan_item.engagement
    form = ConfirmLevelForm(target_level=assignment.plan_item.target_level)
    if form.validate_on_submit() and write_allowed(current_user, form):
        with saving(form):
            phase_before = assignment.phase
            operations.confirm_level(
                assignment,
                level=form.level.data,
                comment=form.comment.data,
                actor=current_user,
                sign_off=form.sign_off.data,
            )
            summary = operations.confirmation_summary(assignment, form.level.data)
            if assignment.phase is not phase_before:  # signed off, or the sign-off withdrawn
                message = _(
                    "%(summary)s; %(name)s is now in %(phase)s.",
                    summary=summary,
                    name=assignment.learner.name,
                    phase=assignment.phase.label,
                )
            else:
                message = f"{summary}."
            flash(message, "success")
            return redirect(url_for("learning.assignment", assignment_id=assignment.id))
    recent = db.session.scalars(newest_entries_first(assignment.id).limit(RECENT_ENTRIES)).all()
    return render_template(
        "confirmations/confirm.html",
        form=form,
        assignment=assignment,
        plan_item=assignment.plan_item,
        engagement=engagement,
        summary=assignment_summaries([assignment.id])[assignment.id],
        recent_entries=recent,
    )
