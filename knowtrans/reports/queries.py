from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, undefer

from knowtrans.core.clock import utcnow
from knowtrans.engagements.models import Engagement
from knowtrans.engagements.queries import visible_engagements
from knowtrans.extensions import db
from knowtrans.reports.models import BuildStatus, HandoverReport, ReportBuild
from knowtrans.users.models import User


def final_report_of(engagement_id: int, *, with_pdf: bool = False) -> HandoverReport | None:
    """The archived final report's facts; the PDF itself only ``with_pdf`` (it is deferred)."""
    query = sa.select(HandoverReport).where(HandoverReport.engagement_id == engagement_id)
    if with_pdf:
        query = query.options(undefer(HandoverReport.pdf))
    return db.session.scalar(query)


def archived_reports(user: User) -> sa.Select:
    """The final reports of the engagements ``user`` may see, the newest first."""
    visible = visible_engagements(user).with_only_columns(Engagement.id)
    return (
        sa.select(HandoverReport)
        .where(HandoverReport.engagement_id.in_(visible))
        .options(
            joinedload(HandoverReport.engagement).joinedload(Engagement.expert),
            joinedload(HandoverReport.generated_by),
        )
        .order_by(HandoverReport.generated_at.desc(), HandoverReport.id.desc())
    )


#: how many of the last finished builds the speed estimate averages over
SPEED_SAMPLE = 10


@dataclass(frozen=True)
class BuildProgress:
    """What the build page says besides the status."""

    #: seconds since it was asked for (queued) or since a worker took it up (building)
    elapsed: int
    #: seconds left by the recent builds' pages per second and this engagement's last page
    #: count; None without either
    remaining: int | None
    pages_per_second: float | None


def build_progress(build: ReportBuild) -> BuildProgress:
    """Elapsed time and an estimate from the last builds' speed (two short queries)."""
    now = utcnow()
    since = build.started_at if build.status is BuildStatus.BUILDING else build.requested_at
    elapsed = int((now - (since or now)).total_seconds())
    if build.status not in (BuildStatus.QUEUED, BuildStatus.BUILDING):
        return BuildProgress(elapsed, None, None)
    recent = (
        sa.select(ReportBuild.page_count, ReportBuild.started_at, ReportBuild.finished_at)
        .where(ReportBuild.status == BuildStatus.READY, ReportBuild.started_at.is_not(None))
        .order_by(ReportBuild.finished_at.desc())
        .limit(SPEED_SAMPLE)
    )
    rows = db.session.execute(recent).all()
    pages = sum(row.page_count or 0 for row in rows)
    seconds = sum((row.finished_at - row.started_at).total_seconds() for row in rows)
    speed = pages / seconds if pages and seconds > 0 else None
    last_pages = db.session.scalar(
        sa.select(ReportBuild.page_count)
        .where(
            ReportBuild.engagement_id == build.engagement_id,
            ReportBuild.status == BuildStatus.READY,
        )
        .order_by(ReportBuild.finished_at.desc())
        .limit(1)
    )
    if speed is None or not last_pages:
        return BuildProgress(elapsed, None, speed)
    building = elapsed if build.status is BuildStatus.BUILDING else 0
    return BuildProgress(elapsed, max(0, round(last_pages / speed) - building), speed)
