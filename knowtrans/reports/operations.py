"""Writes of the reports: a draft someone generates is recorded in the engagement's history.
The final report is archived by closing (``knowtrans.closing.operations``)."""

from datetime import datetime
from typing import TYPE_CHECKING

from knowtrans.audit.operations import record_event
from knowtrans.engagements.models import Engagement
from knowtrans.users.models import User

if TYPE_CHECKING:  # the builder (WeasyPrint) loads when a report is built, not at start-up
    from knowtrans.reports.build import BuiltReport


def generate_draft(engagement: Engagement, *, actor: User, generated_at: datetime) -> "BuiltReport":
    """Build the draft report of the engagement as it stands and record who generated it;
    flushes."""
    from knowtrans.reports.build import build_report

    built = build_report(engagement.id, final=False, generated_by=actor, generated_at=generated_at)
    record_event(
        actor,
        "report.draft",
        engagement,
        f"Generated draft report {built.identifier} ({built.page_count} pages)",
        engagement_id=engagement.id,
    )
    return built
