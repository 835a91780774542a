"""Closing an engagement: status, final report and archive in one transaction."""

from datetime import datetime

from knowtrans.audit.operations import record_event
from knowtrans.auth.models import User
from knowtrans.core.clock import utcnow
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db
from knowtrans.reports.models import HandoverReport


class AlreadyClosed(Exception):
    pass


def close_engagement(
    engagement: Engagement,
    *,
    justification: str,
    actor: User,
    closed_at: datetime | None = None,
) -> HandoverReport:
    """Close ``engagement`` and archive its final report; flushes, the caller commits.

    ``closed_at`` is now unless given (the demo seeder closes engagements in the past); the
    report is generated at the same moment.

    The PDF is built after the status change is flushed, so the report shows the engagement
    as closed with its justification. If building fails the exception propagates and the
    caller rolls back: nothing is closed without its report.
    """
    if engagement.is_closed:
        raise AlreadyClosed(engagement.id)
    closed_at = closed_at or utcnow()
    engagement.status = EngagementStatus.CLOSED
    engagement.closed_at = closed_at
    engagement.close_justification = justification
    db.session.flush()

    report = archive_final_report(engagement, actor=actor, generated_at=closed_at)
    record_event(
        actor,
        "engagement.close",
        engagement,
        f"Closed the engagement; final report {report.identifier} "
        f"({report.page_count} pages, SHA-256 {report.sha256[:12]}…)",
        engagement_id=engagement.id,
    )
    return report


def archive_final_report(
    engagement: Engagement, *, actor: User, generated_at: datetime
) -> HandoverReport:
    """Build the final report of the closed (and flushed) engagement and store it."""
    from knowtrans.reports.build import build_report

    built = build_report(engagement.id, final=True, generated_by=actor, generated_at=generated_at)
    report = HandoverReport(
        engagement=engagement,
        identifier=built.identifier,
        generated_at=generated_at,
        generated_by=actor,
        page_count=built.page_count,
        sha256=built.sha256,
        size=len(built.pdf),
        pdf=built.pdf,
    )
    db.session.add(report)
    return report
