"""One path from an engagement id to the handover report's PDF bytes.

The web download, the CLI and the archive (closing) all call ``build_report``.
"""

import dataclasses
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from knowtrans.core import changes
from knowtrans.core.clock import utcnow
from knowtrans.engagements.models import Engagement
from knowtrans.reports.data import gather_report_data
from knowtrans.reports.render import html_to_pdf, layout_version, render_html
from knowtrans.users.models import User

#: file names stay short enough for every file system and mail client
SLUG_LENGTH = 60


@dataclass(frozen=True)
class BuiltReport:
    pdf: bytes
    page_count: int
    #: hex SHA-256 of ``pdf``
    sha256: str
    #: the document identifier printed on the cover
    identifier: str


def build_report(
    engagement_id: int,
    *,
    final: bool,
    generated_by: User | None,
    generated_at: datetime | None = None,
    close_justification: str | None = None,
) -> BuiltReport:
    """The report of the engagement as the session sees it now (flushed changes included);
    a final report shows it closed at ``generated_at`` with ``close_justification``
    (``gather_report_data``).

    Raises ``knowtrans.reports.data.EngagementNotFound`` for an unknown id.
    """
    generated_at = _utc(generated_at or utcnow())
    identifier = report_identifier(engagement_id, final, generated_at)
    data = gather_report_data(
        engagement_id,
        final=final,
        generated_by=generated_by,
        generated_at=generated_at,
        identifier=identifier,
        close_justification=close_justification,
    )
    pdf, page_count = html_to_pdf(render_html(data))
    return BuiltReport(
        pdf=pdf,
        page_count=page_count,
        sha256=hashlib.sha256(pdf).hexdigest(),
        identifier=identifier,
    )


def draft_key(engagement_id: int, day: date) -> str:
    """The hash of what the draft of ``engagement_id`` shows on ``day`` and of the layout:
    equal keys, equal reports. Who asks, and when in the day, are left out (the cover and
    the signature of a cached draft name whoever asked first)."""
    data = gather_report_data(
        engagement_id,
        final=False,
        generated_by=None,
        generated_at=datetime.combine(day, time(), tzinfo=UTC),
        identifier="",
        today=day,
    )
    text = json.dumps(dataclasses.asdict(data), default=str, sort_keys=True)
    return hashlib.sha256(f"{layout_version()}\n{text}".encode()).hexdigest()


def draft_stamp(engagement_id: int, day: date) -> str:
    """What ``draft_key`` depends on besides the data itself, with the change counters
    standing in for the data: while no write raises them, a draft found for this stamp is
    the draft of the data as it stands (``knowtrans.core.changes``). One small query."""
    company, engagement = changes.generations(engagement_id)
    text = f"{layout_version()}\n{day.isoformat()}\n{company}\n{engagement}"
    return hashlib.sha256(text.encode()).hexdigest()


def report_identifier(engagement_id: int, final: bool, generated_at: datetime) -> str:
    """E.g. ``KT-00007-F-20261127T101500Z`` (F final, D draft), in UTC."""
    kind = "F" if final else "D"
    return f"KT-{engagement_id:05d}-{kind}-{_utc(generated_at):%Y%m%dT%H%M%SZ}"


def report_filename(engagement: Engagement, final: bool, generated_at: datetime) -> str:
    """E.g. ``knowtrans-handover-kubernetes-platform-handover-draft-2026-11-27.pdf``."""
    kind = "final" if final else "draft"
    return (
        f"knowtrans-handover-{_slug(engagement.title, engagement.id)}-{kind}-"
        f"{_utc(generated_at):%Y-%m-%d}.pdf"
    )


def _slug(title: str, engagement_id: int) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    slug = slug[:SLUG_LENGTH].rstrip("-")
    return slug or f"engagement-{engagement_id}"


def _utc(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
