"""The close page: readiness, every uncovered item, justification, final report."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from knowtrans import permissions
from knowtrans.closing import operations
from knowtrans.closing.forms import CloseForm
from knowtrans.core.forms import ConfirmForm
from knowtrans.core.pipeline import load, saving
from knowtrans.engagements.models import Engagement
from knowtrans.engagements.readiness_queries import engagement_readiness, plan_loading_options
from knowtrans.permissions import Action, authorize, require
from knowtrans.plans.models import Criticality

bp = Blueprint("closing", __name__)


@bp.route("/engagements/<int:engagement_id>/close", methods=["GET", "POST"])
@login_required
def close(engagement_id: int):
    engagement = load(Engagement, engagement_id, *plan_loading_options())
    # who generates reports closes; the engagement's status decides when (below)
    authorize(Action.GENERATE_REPORT, engagement)
    if engagement.is_closed:
        # e.g. a second tab, or a colleague was quicker: say so instead of a bare refusal
        flash(_("This engagement is closed already; its final report stands."), "info")
        return redirect(url_for("engagements.show", engagement_id=engagement.id))
    if engagement.is_closing:
        flash(_("This engagement is being closed: its final report is being built."), "info")
        return redirect(url_for("engagements.show", engagement_id=engagement.id))
    if not permissions.can_close_engagement(current_user, engagement):
        flash(operations.not_closable_message(engagement.status), "warning")
        return redirect(url_for("engagements.show", engagement_id=engagement.id))

    readiness = engagement_readiness(engagement)
    uncovered = [
        (item, state)
        for item, state in zip(engagement.plan_items, readiness.items, strict=True)
        if not state.covered
    ]
    uncovered_critical = sum(
        1 for item, _state in uncovered if item.criticality is Criticality.CRITICAL
    )
    form = CloseForm(uncovered_critical=uncovered_critical)
    if form.validate_on_submit():
        # the gate is checked and the engagement locked here; the worker builds the final
        # report and closes it (closing.tasks), or unlocks it and says why
        with saving(form):
            operations.request_close(
                engagement, justification=form.justification.data or "", actor=current_user
            )
            flash(closing_message(), "success")
            return redirect(url_for("engagements.show", engagement_id=engagement.id))
        if engagement.is_locked:  # closed or being closed by another request meanwhile
            return redirect(url_for("engagements.show", engagement_id=engagement_id))
    return render_template(
        "closing/close.html",
        engagement=engagement,
        readiness=readiness,
        uncovered=uncovered,
        uncovered_critical=uncovered_critical,
        form=form,
    )


def closing_message() -> str:
    return _(
        "Closing: the final report is being built. The engagement is read-only meanwhile; its "
        "page shows when it is closed."
    )


@bp.post("/engagements/<int:engagement_id>/close/retry")
@login_required
def retry(engagement_id: int):
    """Close again after a failed attempt, with the justification given then: one click."""
    engagement = load(Engagement, engagement_id, *plan_loading_options())
    authorize(Action.GENERATE_REPORT, engagement)
    require(permissions.can_close_engagement(current_user, engagement))
    if not engagement.closing_error:  # nothing failed: e.g. a second tab already retried
        flash(_("There is no failed attempt to close this engagement again."), "info")
    elif ConfirmForm().validate_on_submit():
        with saving():
            operations.request_close(
                engagement, justification=engagement.close_justification, actor=current_user
            )
            flash(closing_message(), "success")
    return redirect(url_for("engagements.show", engagement_id=engagement.id))
