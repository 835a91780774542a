"""Confirming the level a learner has reached: the engagement's expert or an IT lead."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from knowtrans import permissions
from knowtrans.confirmations import operations
from knowtrans.confirmations.forms import ConfirmLevelForm
from knowtrans.core.limits import write_allowed
from knowtrans.extensions import db
from knowtrans.learning.queries import assignment_summaries, load_assignment, newest_entries_first
from knowtrans.permissions import require, require_change

bp = Blueprint("confirmations", __name__)

#: learning entries shown on the confirmation page for context
RECENT_ENTRIES = 5


@bp.route("/assignments/<int:assignment_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm(assignment_id: int):
    assignment = load_assignment(assignment_id) or abort(404)
    engagement = assignment.plan_item.engagement
    require(permissions.can_view_engagement(current_user, engagement), hide=True)
    require_change(permissions.can_confirm_assignment(current_user, assignment), engagement)
    form = ConfirmLevelForm(target_level=assignment.plan_item.target_level)
    if form.validate_on_submit() and write_allowed(current_user, form):
        operations.confirm_level(
            assignment,
            level=form.level.data,
            comment=form.comment.data,
            actor=current_user,
            sign_off=form.sign_off.data,
        )
        db.session.commit()
        flash(operations.confirmation_summary(assignment, form.level.data) + ".", "success")
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
