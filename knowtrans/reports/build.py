"""One path from an engagement id to the handover report's PDF bytes.

The web download, the CLI and the archive (closing) all call ``build_report``. A report is
written in the language and time zone of the person it is generated for: a draft in those of
who asked for it (recorded on its build), the final in those of who closes the engagement.
"""

import dataclasses
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask import current_app

from knowtrans.core import changes
from knowtrans.core.clock import utcnow
from knowtrans.core.i18n import DEFAULT_LANGUAGE, is_language, is_timezone, speaking
from knowtrans.engagements.models import Engagement
from knowtrans.reports.data import gather_report_data
from knowtrans.reports.render import (
    html_to_pdf,
    layout_version,
    render_html,
    translations_version,
)
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
    #: the language it is written in (``HandoverReport.language`` of a final report)
    language: str = DEFAULT_LANGUAGE
    #: the time zone its times are given in
    timezone: str = "UTC"


def report_language(user: User | None) -> str:
    """The language a report for ``user`` is written in: theirs, else the default."""
    language = user.language if user is not None else None
    return language if language and is_language(language) else DEFAULT_LANGUAGE


def report_timezone(user: User | None) -> str:
    """The time zone a report for ``user`` gives its times in: theirs, else the company's
    (DEFAULT_TIMEZONE)."""
    zone = user.timezone if user is not None else None
    if zone and is_timezone(zone):
        return zone
    default = current_app.config.get("DEFAULT_TIMEZONE") or "UTC"
    return default if is_timezone(default) else "UTC"


def build_report(
    engagement_id: int,
    *,
    final: bool,
    generated_by: User | None,
    generated_at: datetime | None = None,
    close_justification: str | None = None,
    language: str | None = None,
    timezone: str | None = None,
) -> BuiltReport:
    """The report of the engagement as the session sees it now (flushed changes included);
    a final report shows it closed at ``generated_at`` with ``close_justification``
    (``gather_report_data``).

    Written in ``language`` and ``timezone``, by default those of ``generated_by`` (the
    default language and the company's time zone without one).

    Raises ``knowtrans.reports.data.EngagementNotFound`` for an unknown id.
    """
    language = language if language and is_language(language) else report_language(generated_by)
    timezone = timezone if timezone and is_timezone(timezone) else report_timezone(generated_by)
    generated_at = _utc(generated_at or utcnow())
    identifier = report_identifier(engagement_id, final, generated_at)
    with speaking(language, timezone):
        data = gather_report_data(
            engagement_id,
            final=final,
            generated_by=generated_by,
            generated_at=generated_at,
            identifier=identifier,
            close_justification=close_justification,
        )
        html = render_html(data)
    pdf, page_count = html_to_pdf(html)
    return BuiltReport(
        pdf=pdf,
        page_count=page_count,
        sha256=hashlib.sha256(pdf).hexdigest(),
        identifier=identifier,
        language=language,
        timezone=timezone,
    )


def draft_key(engagement_id: int, day: date, language: str, timezone: str) -> str:
    """The hash of what the draft of ``engagement_id`` shows on ``day`` in ``language``
    and ``timezone``, and of the layout and the language's translations: equal keys, equal
    reports. Who asks, and when in the day, are left out (the cover and the signature of a
    cached draft name whoever asked first)."""
    with speaking(language, timezone):
        data = gather_report_data(
            engagement_id,
            final=False,
            generated_by=None,
            generated_at=datetime.combine(day, time(), tzinfo=UTC),
            identifier="",
            today=day,
        )
        text = json.dumps(dataclasses.asdict(data), default=str, sort_keys=True)
    head = _version_text(language, timezone)
    return hashlib.sha256(f"{head}\n{text}".encode()).hexdigest()


def draft_stamp(engagement_id: int, day: date, language: str, timezone: str) -> str:
    """What ``draft_key`` depends on besides the data itself, with the change counters
    standing in for the data: while no write raises them, a draft found for this stamp is
    the draft of the data as it stands (``knowtrans.core.changes``). One small query."""
    company, engagement = changes.generations(engagement_id)
    head = _version_text(language, timezone)
    text = f"{head}\n{day.isoformat()}\n{company}\n{engagement}"
    return hashlib.sha256(text.encode()).hexdigest()


def _version_text(language: str, timezone: str) -> str:
    """The layout, the language with its translations, and the time zone of a draft."""
    return f"{layout_version()}\n{language} {translations_version(language)}\n{timezone}"


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
