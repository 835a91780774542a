"""The reports' jobs: building a draft, taking up builds a crashed worker left or a lost
message never started, dropping drafts nobody uses."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from huey import crontab

from knowtrans.core.clock import utcnow
from knowtrans.core.i18n import speaking
from knowtrans.core.tasks import job, periodic_job, send_after_commit
from knowtrans.core.worker import is_alive_here, on_worker_start, worker_name
from knowtrans.extensions import db
from knowtrans.reports import operations
from knowtrans.reports.models import BuildStatus, ReportBuild

#: a queued build no worker took up for this long was lost on its way: sent again
QUEUED_PATIENCE = timedelta(minutes=2)


def _stale_before():
    """A build started before this has outlived any job's time limit: its worker is gone."""
    return utcnow() - timedelta(seconds=current_app.config["JOB_TIME_LIMIT"] + 60)


@job(kind="report.draft")
def build_draft(build_id: int) -> dict:
    """Build the draft the row asks for, unless another worker has it or it is built; in
    the language and time zone of the person who asked (recorded on the build)."""
    me = worker_name()
    build = operations.claim_build(build_id, me, stale_before=_stale_before())
    if build is None:
        return {"result": "skipped", "build": build_id}
    db.session.commit()  # the page shows "building" while the worker lays the report out
    language, timezone = build.language, build.timezone
    with speaking(language, timezone):
        return _build(build, me, language, timezone)


def _build(build: ReportBuild, me: str, language: str, timezone: str) -> dict:
    from knowtrans.reports.build import build_report

    build_id, engagement_id = build.id, build.engagement_id
    try:
        built = build_report(
            engagement_id,
            final=False,
            generated_by=build.requested_by,
            generated_at=utcnow(),
            language=language,
            timezone=timezone,
        )
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("draft report of engagement %s failed", engagement_id)
        if operations.still_mine(build_id, me):
            failed = db.session.get(ReportBuild, build_id)
            assert failed is not None  # still_mine found it
            operations.fail_build(failed, _reason(error))
        return {"result": "failed", "engagement": engagement_id, "build": build_id}
    if not operations.still_mine(build_id, me):  # taken over as stalled meanwhile
        return {"result": "skipped", "engagement": engagement_id, "build": build_id}
    operations.finish_build(
        build, pdf=built.pdf, page_count=built.page_count, identifier=built.identifier
    )
    return {
        "engagement": engagement_id,
        "build": build_id,
        "pages": built.page_count,
        "language": language,
    }


def _reason(error: Exception) -> str:
    if isinstance(error, MemoryError):
        return _("The report needed more memory than a report may use.")
    return _(
        "The report could not be laid out. Try again; if it fails again, tell your administrator."
    )


def _send_again(build: ReportBuild) -> bool:
    """Send a queued build's message again; queue a building one again, or give up on one
    whose workers kept dying while building it."""
    if build.status is BuildStatus.QUEUED:  # its message may be lost: the claim dedupes
        send_after_commit(build_draft, build.id)
        return True
    if build.attempts >= operations.MAX_ATTEMPTS:
        operations.fail_build(build, operations.WORKERS_DIED)
        return False
    operations.requeue_build(build)
    send_after_commit(build_draft, build.id)
    return True


@on_worker_start
def take_up_abandoned_builds() -> int:
    """Builds a worker on this host was making when it died, and queued builds that may have
    been lost: sent again (the claim makes sure each is built once)."""
    waiting = db.session.scalars(
        sa.select(ReportBuild).where(
            ReportBuild.status.in_([BuildStatus.QUEUED, BuildStatus.BUILDING])
        )
    ).all()
    abandoned = [
        build
        for build in waiting
        if build.status is BuildStatus.QUEUED or is_alive_here(build.worker) is False
    ]
    return sum(_send_again(build) for build in abandoned)


@periodic_job(kind="report.recover", schedule=crontab(minute="*"))
def recover_stalled_builds() -> dict:
    """Every minute: builds whose worker stopped (started longer ago than any job may run),
    and queued builds no worker took up, are sent again."""
    now = utcnow()
    stalled = db.session.scalars(
        sa.select(ReportBuild).where(
            sa.or_(
                sa.and_(
                    ReportBuild.status == BuildStatus.BUILDING,
                    ReportBuild.started_at < _stale_before(),
                ),
                sa.and_(
                    ReportBuild.status == BuildStatus.QUEUED,
                    ReportBuild.requested_at < now - QUEUED_PATIENCE,
                ),
            )
        )
    ).all()
    return {"result": "ok", "sent": sum(_send_again(build) for build in stalled)}


@periodic_job(kind="report.drop_unused", schedule=crontab(minute="17", hour="3"))
def drop_unused_drafts() -> dict:
    """Every night: drafts nobody asked for in DRAFT_KEEP_DAYS days are dropped."""
    dropped = operations.drop_unused_drafts(keep_days=current_app.config["DRAFT_KEEP_DAYS"])
    return {"result": "ok", "dropped": dropped}
