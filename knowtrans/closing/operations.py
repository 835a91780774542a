"""Closing an engagement: status, final report and archive in one transaction.

A person asks (``request_close``: the gate is checked and the engagement locked); the worker
closes (``close_engagement``, run by ``closing.tasks``). The demo seeder closes directly.
"""

import logging
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from knowtrans.audit.operations import record_event
from knowtrans.closing import mail
from knowtrans.core.clock import utcnow
from knowtrans.core.errors import Refused
from knowtrans.core.i18n import speaking
from knowtrans.core.integrity import unique_or_refused
from knowtrans.core.tasks import send_after_commit
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.engagements.readiness_queries import engagement_readiness
from knowtrans.extensions import db
from knowtrans.permissions import CLOSABLE_STATUSES
from knowtrans.plans.models import Criticality
from knowtrans.reports.models import HandoverReport
from knowtrans.users.models import User

if TYPE_CHECKING:
    from knowtrans.reports.build import BuiltReport

log = logging.getLogger(__name__)

#: a justification is a sentence or two for the record, not "ok"
JUSTIFICATION_MIN = 20


class AlreadyClosed(Refused):
    """The engagement is closed: its final report stands."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message or _("This engagement is closed already; its final report stands.")
        )


class ReportNotGenerated(Refused):
    """Building the final report failed, so nothing was closed."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "The final report could not be generated, so the engagement was not closed and "
                "nothing changed. Try again; if it fails again, tell your administrator."
            )
        )


def uncovered_critical_items(engagement: Engagement) -> int:
    """How many critical plan items no learner covers (the plan loaded, see
    ``plan_loading_options``)."""
    readiness = engagement_readiness(engagement)
    return sum(
        1
        for item, state in zip(engagement.plan_items, readiness.items, strict=True)
        if not state.covered and item.criticality is Criticality.CRITICAL
    )


def check_gate(engagement: Engagement, justification: str) -> None:
    """What closing asks of an open engagement: a closable status, and the justification
    its uncovered critical items need."""
    if engagement.status not in CLOSABLE_STATUSES:
        raise Refused(not_closable_message(engagement.status))
    check_justification(uncovered_critical_items(engagement), justification)


#: why an engagement in this status cannot be closed (closable: ``CLOSABLE_STATUSES``)
_NOT_CLOSABLE = {
    EngagementStatus.PLANNED: _l(
        "Only an active engagement or one in handover can be closed; this one is planned."
    ),
    EngagementStatus.CLOSED: _l(
        "Only an active engagement or one in handover can be closed; this one is closed."
    ),
}


def not_closable_message(status: EngagementStatus) -> str:
    """Why an engagement in ``status`` cannot be closed, in the current language."""
    return str(_NOT_CLOSABLE.get(status, _NOT_CLOSABLE[EngagementStatus.PLANNED]))


def check_justification(uncovered_critical: int, justification: str) -> None:
    """With critical items uncovered, the justification says why, in a sentence or two."""
    if not uncovered_critical:
        return
    if not justification:
        raise Refused(
            ngettext(
                "%(num)d critical item is not covered: write why the engagement closes anyway.",
                "%(num)d critical items are not covered: write why the engagement closes anyway.",
                uncovered_critical,
            ),
            field="justification",
        )
    if len(justification) < JUSTIFICATION_MIN:
        raise Refused(
            _(
                "Write at least %(min)d characters: the justification goes into the final "
                "report as the record of why these items stay uncovered.",
                min=JUSTIFICATION_MIN,
            ),
            field="justification",
        )


def close_engagement(
    engagement: Engagement,
    *,
    justification: str,
    actor: User,
    closed_at: datetime | None = None,
) -> HandoverReport:
    """Close ``engagement`` and archive its final report; flushes, the request pipeline commits.

    Refused (and the session must be rolled back, as the pipeline does) when the engagement is
    closed already (``AlreadyClosed``) or was closed by another request in the meantime (its
    final report exists), is not active or in handover, lacks the justification its uncovered
    critical items need, or when the final report cannot be built (``ReportNotGenerated``):
    nothing is closed without its report.

    ``closed_at`` is now unless given (the demo seeder closes engagements in the past); the
    report is generated at the same moment.

    The PDF is built first, from the data as stored, showing the engagement closed at
    ``closed_at`` with ``justification``; the closing is written after it. So the build reads
    only, and on SQLite the database's write lock is taken for the short write at the end,
    not for the build (the engagement is locked against edits meanwhile, ``is_locked``).
    """
    if engagement.is_closed:
        raise AlreadyClosed()
    check_gate(engagement, justification)
    closed_at = closed_at or utcnow()
    built = build_final_report(
        engagement, actor=actor, generated_at=closed_at, justification=justification
    )
    engagement.status = EngagementStatus.CLOSED
    engagement.closed_at = closed_at
    engagement.close_justification = justification
    with unique_or_refused(
        _("This engagement was closed in the meantime; its final report stands.")
    ):
        report = archive_final_report(engagement, built, actor=actor, generated_at=closed_at)
        db.session.flush()
    record_event(
        actor,
        "engagement.close",
        engagement,
        ngettext(
            "Closed the engagement; final report %(identifier)s (%(num)d page, SHA-256 %(hash)s…)",
            "Closed the engagement; final report %(identifier)s (%(num)d pages, SHA-256 %(hash)s…)",
            report.page_count,
            identifier=report.identifier,
            hash=report.sha256[:12],
        ),
        engagement_id=engagement.id,
    )
    engagement.closing_started_at = None
    engagement.closing_worker = engagement.closing_error = ""
    if engagement.closing_requested_by is not None:  # asked to close through the pages
        mail.tell_closed(engagement, report, engagement.closing_requested_by)
    return report


def build_final_report(
    engagement: Engagement, *, actor: User, generated_at: datetime, justification: str
) -> "BuiltReport":
    """The final report's PDF, or ``ReportNotGenerated``: nothing closes without it."""
    from knowtrans.reports.build import build_report

    try:
        return build_report(
            engagement.id,
            final=True,
            generated_by=actor,
            generated_at=generated_at,
            close_justification=justification,
        )
    except Exception as error:  # whatever broke in the builder: close nothing
        log.exception("final report failed; engagement %s stays open", engagement.id)
        raise ReportNotGenerated() from error


def archive_final_report(
    engagement: Engagement, built: "BuiltReport", *, actor: User, generated_at: datetime
) -> HandoverReport:
    """Add the final report ``built`` for the engagement to the session."""
    report = HandoverReport(
        engagement=engagement,
        identifier=built.identifier,
        generated_at=generated_at,
        generated_by=actor,
        page_count=built.page_count,
        language=built.language,
        sha256=built.sha256,
        size=len(built.pdf),
        pdf=built.pdf,
    )
    db.session.add(report)
    return report


class ClosingUnderway(Refused):
    """The final report is being built: the engagement closes when it is done."""

    def __init__(self) -> None:
        super().__init__(
            _("This engagement is being closed already: its final report is being built.")
        )


def request_close(engagement: Engagement, *, justification: str, actor: User) -> None:
    """Check the gate, lock the engagement and have the worker build the final report and
    close it (``closing.tasks.close_engagement``) once this transaction commits. The same
    rules as ``close_engagement``; the engagement stays locked until the job is done."""
    from knowtrans.closing.tasks import close_engagement as close_job

    if engagement.is_closed:
        raise AlreadyClosed()
    if engagement.is_closing:
        raise ClosingUnderway()
    check_gate(engagement, justification)
    engagement.close_justification = justification
    engagement.closing_attempts = 0
    engagement.closing_requested_at = utcnow()
    engagement.closing_requested_by = actor
    engagement.closing_started_at = None
    engagement.closing_worker = ""
    engagement.closing_error = ""
    record_event(
        actor,
        "engagement.close_requested",
        engagement,
        _("Asked to close the engagement; the final report is being built"),
        engagement_id=engagement.id,
    )
    send_after_commit(close_job, engagement.id)


def claim_closing(engagement_id: int, worker: str, *, stale_before: datetime) -> Engagement | None:
    """Take up a requested closing nobody runs (or whose worker stopped before
    ``stale_before``): one UPDATE, so two workers never close the same engagement."""
    result = db.session.execute(
        sa.update(Engagement)
        .where(
            Engagement.id == engagement_id,
            Engagement.closing_requested_at.is_not(None),
            Engagement.status != EngagementStatus.CLOSED,
            sa.or_(
                Engagement.closing_started_at.is_(None),
                Engagement.closing_started_at < stale_before,
            ),
        )
        .values(
            closing_started_at=utcnow(),
            closing_worker=worker,
            closing_attempts=Engagement.closing_attempts + 1,
            version=Engagement.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if not cast("sa.CursorResult[Any]", result).rowcount:
        return None
    return db.session.get(Engagement, engagement_id, populate_existing=True)


#: closings a worker died in this often are given up (unlocked, with the reason)
MAX_ATTEMPTS = 3
WORKERS_DIED = _l(
    "The final report could not be built: the worker building it stopped each time it "
    "tried, so the engagement was not closed. Tell your administrator."
)


def release_closing(engagement: Engagement) -> None:
    """A closing whose worker died: free for the next worker to take up."""
    engagement.closing_started_at = None
    engagement.closing_worker = ""


def fail_closing(engagement: Engagement, reason: str | None) -> None:
    """The final report could not be built: unlock, close nothing, and say why on the
    engagement's page and by e-mail to who asked; closing again is one click.

    The reason (a lazy translation is translated here) and the history line are written in
    the language of the person who asked to close, as their own request would have."""
    actor = engagement.closing_requested_by
    with speaking_for(actor):
        engagement.closing_error = str(reason) if reason else str(ReportNotGenerated())
        engagement.closing_attempts = 0
        engagement.closing_requested_at = None
        engagement.closing_started_at = None
        engagement.closing_worker = ""
        if actor is not None:
            record_event(
                actor,
                "engagement.close_failed",
                engagement,
                _(
                    "Closing failed; nothing was closed: %(reason)s",
                    reason=engagement.closing_error,
                ),
                engagement_id=engagement.id,
            )
    if actor is not None:
        mail.tell_not_closed(engagement, actor)


def speaking_for(person: User | None) -> AbstractContextManager[None]:
    """Translate and format as ``person`` reads (their language and time zone); without a
    person, as the surrounding request or job does."""
    if person is None:
        return nullcontext()
    return speaking(person.language, person.timezone)
