"""Closing as a job: the worker builds the final report, then closes the engagement and stores
the report in one short transaction; a closing a crashed worker left is taken up again."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from huey import crontab

from knowtrans.closing import operations
from knowtrans.core.clock import utcnow
from knowtrans.core.errors import Refused
from knowtrans.core.tasks import job, periodic_job, send_after_commit
from knowtrans.core.worker import is_alive_here, on_worker_start, worker_name
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db


def _stale_before():
    """A closing started before this has outlived any job's time limit: its worker is gone."""
    return utcnow() - timedelta(seconds=current_app.config["JOB_TIME_LIMIT"] + 60)


@job(kind="engagement.close")
def close_engagement(engagement_id: int) -> dict:
    """Build the final report and close the engagement, all or nothing. Run twice, it closes
    once: a closed engagement, or one another worker is closing, is left alone."""
    engagement = operations.claim_closing(
        engagement_id, worker_name(), stale_before=_stale_before()
    )
    if engagement is None:
        return {"result": "skipped", "engagement": engagement_id}
    db.session.commit()  # the claim stands even if this process dies in the build
    actor = engagement.closing_requested_by
    assert actor is not None  # request_close names who asked
    try:
        # the history line, and a refusal's reason, in the language of who asked
        with operations.speaking_for(actor):
            report = operations.close_engagement(
                engagement, justification=engagement.close_justification, actor=actor
            )
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if not isinstance(error, Refused):
            current_app.logger.exception("closing engagement %s failed", engagement_id)
        engagement = db.session.get(Engagement, engagement_id)
        if engagement is None or engagement.is_closed:
            return {"result": "skipped", "engagement": engagement_id}
        operations.fail_closing(engagement, str(error) if isinstance(error, Refused) else None)
        return {"result": "failed", "engagement": engagement_id}
    return {"engagement": engagement_id, "pages": report.page_count}


def _closings_waiting():
    return sa.select(Engagement).where(
        Engagement.closing_requested_at.is_not(None),
        Engagement.status != EngagementStatus.CLOSED,
    )


#: a closing no worker took up for this long was lost on its way: sent again
UNCLAIMED_PATIENCE = timedelta(minutes=2)


def _send_again(engagement: Engagement) -> bool:
    """Send the closing again, or give up (unlock, say why) when workers kept dying in it."""
    if engagement.closing_attempts >= operations.MAX_ATTEMPTS:
        operations.fail_closing(engagement, operations.WORKERS_DIED)
        return False
    operations.release_closing(engagement)
    send_after_commit(close_engagement, engagement.id)
    return True


@on_worker_start
def take_up_abandoned_closings() -> int:
    """Closings a worker on this host was running when it died, and closings no worker took
    up: sent again (the claim makes sure each runs once)."""
    again = [
        engagement
        for engagement in db.session.scalars(_closings_waiting())
        if not engagement.closing_worker or is_alive_here(engagement.closing_worker) is False
    ]
    return sum(_send_again(engagement) for engagement in again)


@periodic_job(kind="engagement.close_recover", schedule=crontab(minute="*"))
def recover_stalled_closings() -> dict:
    """Every minute: closings whose worker stopped longer ago than any job may run, and
    closings no worker took up."""
    now = utcnow()
    stalled = db.session.scalars(
        _closings_waiting().where(
            sa.or_(
                Engagement.closing_started_at < _stale_before(),
                sa.and_(
                    Engagement.closing_started_at.is_(None),
                    Engagement.closing_requested_at < now - UNCLAIMED_PATIENCE,
                ),
            )
        )
    ).all()
    return {"result": "ok", "sent": sum(_send_again(engagement) for engagement in stalled)}
