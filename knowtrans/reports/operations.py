"""Writes of the reports: asking for a draft, and the worker's record of building it. The
final report is archived by closing (``knowtrans.closing.operations``)."""

from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from knowtrans.audit.operations import record_event
from knowtrans.core.clock import today, utcnow
from knowtrans.core.i18n import speaking
from knowtrans.core.tasks import send_after_commit
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.reports.models import BuildStatus, ReportBuild
from knowtrans.users.models import User

#: builds a worker died in this often are given up on, not taken up again and again (a
#: report that kills its worker would otherwise do so forever)
MAX_ATTEMPTS = 3
WORKERS_DIED = _l(
    "The report could not be built: the worker building it stopped each time it tried. "
    "Tell your administrator."
)


def request_draft(engagement: Engagement, *, actor: User) -> ReportBuild:
    """The draft of the engagement's data as it stands, in the actor's language and time
    zone: the one built or being built already for the same data, language and zone, else a
    new build the worker takes up once the request commits. A failed build is tried again.
    Two requests at the same moment share one build.

    While nothing has been written since a draft was last asked for, it is found by its
    stamp alone; else the report's data is gathered and hashed to find it (or to know it is
    new)."""
    from knowtrans.reports.build import draft_key, draft_stamp, report_language, report_timezone
    from knowtrans.reports.tasks import build_draft

    language, timezone = report_language(actor), report_timezone(actor)
    # before the data: a later write misses
    stamp = draft_stamp(engagement.id, today(), language, timezone)
    build = _build_with(ReportBuild.stamp == stamp, engagement.id)
    if build is None:
        key = draft_key(engagement.id, today(), language, timezone)
        build = _build_with(ReportBuild.data_key == key, engagement.id)
    if build is None:
        build = ReportBuild(
            engagement=engagement,
            data_key=key,
            stamp=stamp,
            requested_by=actor,
            language=language,
            timezone=timezone,
        )
        try:
            with db.session.begin_nested():
                db.session.add(build)
        except sa.exc.IntegrityError:  # another request made it a moment ago
            build = _build_with(ReportBuild.data_key == key, engagement.id)
            assert build is not None
        else:
            send_after_commit(build_draft, build.id)
            return build
    build.last_requested_at, build.stamp = utcnow(), stamp
    if build.status is BuildStatus.FAILED:
        build.requested_by, build.attempts = actor, 0
        requeue_build(build)
        send_after_commit(build_draft, build.id)
    return build


def requeue_build(build: ReportBuild) -> None:
    """Back in the queue, its clock started again (the page counts from now)."""
    build.status, build.error, build.worker = BuildStatus.QUEUED, "", ""
    build.requested_at, build.started_at = utcnow(), None


def still_mine(build_id: int, worker: str) -> bool:
    """Whether the build is still this worker's (another may have taken it over as
    stalled)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                ReportBuild.id == build_id,
                ReportBuild.worker == worker,
                ReportBuild.status == BuildStatus.BUILDING,
            )
        )
        == 1
    )


def _build_with(condition: sa.ColumnElement[bool], engagement_id: int) -> ReportBuild | None:
    return db.session.scalars(
        sa.select(ReportBuild)
        .where(ReportBuild.engagement_id == engagement_id, condition)
        .order_by(ReportBuild.id.desc())
        .limit(1)
    ).first()


def claim_build(build_id: int, worker: str, *, stale_before: datetime) -> ReportBuild | None:
    """Take up a queued build, or one whose worker stopped before ``stale_before``: one
    UPDATE, so two workers never build the same draft. None when there is nothing to do."""
    now = utcnow()
    result = db.session.execute(
        sa.update(ReportBuild)
        .where(
            ReportBuild.id == build_id,
            sa.or_(
                ReportBuild.status == BuildStatus.QUEUED,
                sa.and_(
                    ReportBuild.status == BuildStatus.BUILDING,
                    ReportBuild.started_at < stale_before,
                ),
            ),
        )
        .values(
            status=BuildStatus.BUILDING,
            started_at=now,
            worker=worker,
            attempts=ReportBuild.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if not cast("sa.CursorResult[Any]", result).rowcount:
        return None
    return db.session.get(ReportBuild, build_id, populate_existing=True)


def finish_build(build: ReportBuild, *, pdf: bytes, page_count: int, identifier: str) -> None:
    """Store the built draft and record who generated it in the engagement's history."""
    build.status = BuildStatus.READY
    build.pdf, build.page_count, build.identifier = pdf, page_count, identifier
    build.finished_at = utcnow()
    build.error = ""
    record_event(
        build.requested_by,
        "report.draft",
        build.engagement,
        _(
            "Generated draft report %(identifier)s (%(pages)s pages)",
            identifier=identifier,
            pages=page_count,
        ),
        engagement_id=build.engagement_id,
    )


def record_download(build: ReportBuild, *, actor: User) -> None:
    """Who took a copy of a draft: the engagement's history shows every download, also of a
    draft built for someone else."""
    record_event(
        actor,
        "report.draft_download",
        build.engagement,
        _(
            "Downloaded draft report %(identifier)s (%(pages)s pages)",
            identifier=build.identifier,
            pages=build.page_count,
        ),
        engagement_id=build.engagement_id,
    )


def fail_build(build: ReportBuild, reason: str | LazyString) -> None:
    """``reason`` is kept in the build's language, for the people who asked for it."""
    build.status = BuildStatus.FAILED
    build.finished_at = utcnow()
    with speaking(build.language, build.timezone):
        build.error = str(reason)


def drop_unused_drafts(*, keep_days: int) -> int:
    """Delete drafts nobody asked for in ``keep_days`` days, and failed builds as old; the
    engagement's history keeps that they were generated. Returns how many."""
    before = utcnow() - timedelta(days=keep_days)
    result = db.session.execute(
        sa.delete(ReportBuild).where(
            ReportBuild.last_requested_at < before,
            ReportBuild.status.in_([BuildStatus.READY, BuildStatus.FAILED]),
        )
    )
    return cast("sa.CursorResult[Any]", result).rowcount
