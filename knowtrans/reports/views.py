"""Draft reports on demand, archived final reports, the archive."""

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_login import current_user, login_required

from knowtrans.core.forms import ConfirmForm
from knowtrans.core.pagination import paginate
from knowtrans.core.pipeline import load
from knowtrans.engagements.models import Engagement
from knowtrans.permissions import Action, authorize
from knowtrans.reports import operations
from knowtrans.reports.models import BuildStatus, ReportBuild
from knowtrans.reports.queries import archived_reports, build_progress, final_report_of

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
    """The draft at once when it is built for the data as it stands; else the page that
    follows its build (the worker builds it)."""
    engagement = load(Engagement, engagement_id)
    authorize(Action.GENERATE_REPORT, engagement)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if engagement.is_closed:
        return redirect(url_for("reports.final", engagement_id=engagement.id))
    build = operations.request_draft(engagement, actor=current_user)
    if build.status is BuildStatus.READY:
        return _draft_file(build)
    return redirect(url_for("reports.build", build_id=build.id), code=303)


def _visible_build(build_id: int) -> ReportBuild:
    build = load(ReportBuild, build_id)
    authorize(Action.GENERATE_REPORT, build.engagement)
    return build


@bp.get("/reports/builds/<int:build_id>")
@login_required
def build(build_id: int):
    """Queued, building, ready or failed: the page refreshes itself until the draft is
    ready (no script needed)."""
    build = _visible_build(build_id)
    progress = build_progress(build)
    speed = progress.pages_per_second
    return render_template(
        "reports/build.html",
        build=build,
        progress=progress,
        # pages per second, to one decimal place in the reader's notation: 2.0, 2,0
        speed=None if speed is None else format_decimal(speed, "#,##0.0"),
    )


@bp.get("/reports/builds/<int:build_id>/pdf")
@login_required
def build_file(build_id: int):
    build = _visible_build(build_id)
    if build.status is not BuildStatus.READY:
        return redirect(url_for("reports.build", build_id=build.id))
    return _draft_file(build)


def _draft_file(build: ReportBuild) -> Response:
    from knowtrans.reports.build import report_filename

    assert build.pdf is not None
    assert build.finished_at is not None
    operations.record_download(build, actor=current_user)
    return pdf_response(build.pdf, report_filename(build.engagement, False, build.finished_at))


@bp.get("/engagements/<int:engagement_id>/report/final")
@login_required
def final(engagement_id: int):
    from knowtrans.reports.build import report_filename

    engagement = load(Engagement, engagement_id)
    authorize(Action.DOWNLOAD_FINAL, engagement)
    report = final_report_of(engagement.id, with_pdf=True) or abort(404)
    return pdf_response(
        report.pdf, report_filename(engagement, True, report.generated_at), sha256=report.sha256
    )


@bp.get("/reports")
@login_required
def archive():
    query = archived_reports(current_user)
    pagination = paginate(query)
    return render_template("reports/archive.html", pagination=pagination)
