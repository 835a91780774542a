"""The close page: readiness, every uncovered item, justification, final report."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from knowtrans import permissions
from knowtrans.closing import operations
from knowtrans.closing.forms import CloseForm
from knowtrans.core.pipeline import load, saving
from knowtrans.engagements.models import Engagement
from knowtrans.engagements.readiness_queries import engagement_readiness, plan_loading_options
from knowtrans.permissions import Action, authorize
from knowtrans.plans.models import Criticality
from knowtrans.reports.queries import final_report_of

bp = Blueprint("closing", __name__)


@bp.route("/engagements/<int:engagement_id>/close", methods=["GET", "POST"])
@login_required
def close(engagement_id: int):
    engagement = load(Engagement, engagement_id, *plan_loading_options())
    # who generates reports closes; the engagement's status decides when (below)
    authorize(Action.GENERATE_REPORT, engagement)
    if engagement.is_closed:
        # e.g. a second tab, or a colleague was quicker: say so instead of a bare refusal
        flash("This engagement is closed already; its final report stands.", "info")
        return redirect(url_for("engagements.show", engagement_id=engagement.id))
    if not permissions.can_close_engagement(current_user, engagement):
        flash(
            "Only an active engagement or one in handover can be closed; "
            f"this one is {engagement.status.label.lower()}.",
            "warning",
        )
        return redirect(url_for("engagements.show", engagement_id=engagement.id))

    readiness = engagement_readiness(engagement)
    uncovered = [
        (item, state)
        for item, state in zip(engagement.plan_items, readiness.items, strict=True)
        if not state.covered
    ]
    uncovered_critical = sum(1 for item, _ in uncovered if item.criticality is Criticality.CRITICAL)
    form = CloseForm(uncovered_critical=uncovered_critical)
    if form.validate_on_submit():
        # a refusal is flashed (closed in the meantime, the final report failed to build) and
        # the whole close rolled back: nothing is closed without its report
        with saving():
            report = operations.close_engagement(
                engagement, justification=form.justification.data or "", actor=current_user
            )
            flash(
                f"Closed. The final report {report.identifier} ({report.page_count} pages) is "
                "archived; the engagement is now read-only.",
                "success",
            )
            return redirect(url_for("engagements.show", engagement_id=engagement.id))
        if final_report_of(engagement_id) is not None:  # closed by another request meanwhile
            return redirect(url_for("engagements.show", engagement_id=engagement_id))
        return redirect(url_for("closing.close", engagement_id=engagement_id))
    return render_template(
        "closing/close.html",
        engagement=engagement,
        readiness=readiness,
        uncovered=uncovered,
        uncovered_critical=uncovered_critical,
        form=form,
    )
