"""Draft reports on demand, archived final reports, the archive."""

import sqlalchemy as sa
from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, undefer

from knowtrans import permissions
from knowtrans.audit.operations import record_event
from knowtrans.core.clock import utcnow
from knowtrans.core.forms import ConfirmForm
from knowtrans.core.pagination import paginate, past_the_end
from knowtrans.engagements.models import Engagement
from knowtrans.engagements.queries import get_or_404, visible_engagements
from knowtrans.extensions import db
from knowtrans.permissions import require
from knowtrans.reports.models import HandoverReport

bp = Blueprint("reports", __name__)


def pdf_response(pdf: bytes, filename: str, *, sha256: str | None = None) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    if sha256:
        response.headers["X-Content-SHA256"] = sha256
    return response


@bp.post("/engagements/<int:engagement_id>/report/draft")
@login_required
def draft(engagement_id: int):
    from knowtrans.reports.build import build_report, report_filename

    engagement = get_or_404(Engagement, engagement_id)
    require(permissions.can_view_engagement(current_user, engagement), hide=True)
    require(permissions.can_generate_report(current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if engagement.is_closed:
        return redirect(url_for("reports.final", engagement_id=engagement.id))
    generated_at = utcnow()
    built = build_report(
        engagement.id, final=False, generated_by=current_user, generated_at=generated_at
    )
    record_event(
        current_user,
        "report.draft",
        engagement,
        f"Generated draft report {built.identifier} ({built.page_count} pages)",
        engagement_id=engagement.id,
    )
    db.session.commit()
    return pdf_response(built.pdf, report_filename(engagement, False, generated_at))


@bp.get("/engagements/<int:engagement_id>/report/final")
@login_required
def final(engagement_id: int):
    from knowtrans.reports.build import report_filename

    engagement = get_or_404(Engagement, engagement_id)
    require(permissions.can_view_engagement(current_user, engagement), hide=True)
    require(permissions.can_download_final_report(current_user, engagement))
    report = db.session.scalar(
        sa.select(HandoverReport)
        .where(HandoverReport.engagement_id == engagement.id)
        .options(undefer(HandoverReport.pdf))
    )
    if report is None:
        abort(404)
    return pdf_response(
        report.pdf, report_filename(engagement, True, report.generated_at), sha256=report.sha256
    )


@bp.get("/reports")
@login_required
def archive():
    visible = visible_engagements(current_user).with_only_columns(Engagement.id)
    query = (
        sa.select(HandoverReport)
        .where(HandoverReport.engagement_id.in_(visible))
        .options(
            joinedload(HandoverReport.engagement).joinedload(Engagement.expert),
            joinedload(HandoverReport.generated_by),
        )
        .order_by(HandoverReport.generated_at.desc(), HandoverReport.id.desc())
    )
    pagination = paginate(query)
    if last_page := past_the_end(pagination):
        return last_page
    return render_template("reports/archive.html", pagination=pagination)
