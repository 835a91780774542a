"""The close page: readiness, every uncovered item, justification, final report."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from knowtrans import permissions
from knowtrans.closing import operations
from knowtrans.closing.forms import CloseForm
from knowtrans.engagements.models import Engagement
from knowtrans.engagements.queries import get_or_404
from knowtrans.engagements.readiness_queries import engagement_readiness, plan_loading_options
from knowtrans.extensions import db
from knowtrans.permissions import require
from knowtrans.plans.models import Criticality

bp = Blueprint("closing", __name__)


@bp.route("/engagements/<int:engagement_id>/close", methods=["GET", "POST"])
@login_required
def close(engagement_id: int):
    engagement = get_or_404(Engagement, engagement_id, *plan_loading_options())
    require(permissions.can_view_engagement(current_user, engagement), hide=True)
    require(permissions.can_generate_report(current_user))
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
        try:
            report = operations.close_engagement(
                engagement, justification=form.justification.data or "", actor=current_user
            )
            db.session.commit()
        except (operations.AlreadyClosed, IntegrityError):
            db.session.rollback()
            flash("This engagement was closed in the meantime; its final report stands.", "info")
            return redirect(url_for("engagements.show", engagement_id=engagement_id))
        except StaleDataError:
            raise  # changed by someone else meanwhile: the conflict answer of core.web
        except Exception:
            db.session.rollback()
            current_app.logger.exception(
                "final report failed; engagement %s stays open", engagement_id
            )
            flash(
                "The final report could not be generated, so the engagement was not closed and "
                "nothing changed. Try again; if it fails again, tell your administrator.",
                "error",
            )
            return redirect(url_for("closing.close", engagement_id=engagement_id))
        flash(
            f"Closed. The final report {report.identifier} ({report.page_count} pages) is "
            "archived; the engagement is now read-only.",
            "success",
        )
        return redirect(url_for("engagements.show", engagement_id=engagement.id))
    return render_template(
        "closing/close.html",
        engagement=engagement,
        readiness=readiness,
        uncovered=uncovered,
        uncovered_critical=uncovered_critical,
        form=form,
    )
