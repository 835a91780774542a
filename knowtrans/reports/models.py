import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowtrans.core.db import UTCDateTime, enum_type, utcnow
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import Model
from knowtrans.users.models import User


class HandoverReport(Model):
    """The final handover report of a closed engagement: stored once, never replaced.

    Drafts are generated on demand and not stored (their generation is audited).
    """

    __tablename__ = "handover_reports"
    __changes__ = None
    __table_args__ = (
        sa.UniqueConstraint("engagement_id"),
        sa.CheckConstraint("page_count > 0", name="page_count_positive"),
        sa.CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(sa.ForeignKey("engagements.id"))
    #: the document identifier printed on the cover, e.g. KT-00007-F-20261127T101500Z
    identifier: Mapped[str] = mapped_column(sa.String(64), unique=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    page_count: Mapped[int]
    #: the language it is written in: that of the person who closed the engagement
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    #: hex SHA-256 of ``pdf``
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)

    engagement: Mapped[Engagement] = relationship()
    generated_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<HandoverReport {self.identifier}>"


@sa.event.listens_for(HandoverReport, "before_update")
def _refuse_update(mapper, connection, target: HandoverReport) -> None:
    raise ValueError(f"{target!r} is immutable: a final report is never regenerated or replaced")


@sa.event.listens_for(HandoverReport, "before_delete")
def _refuse_delete(mapper, connection, target: HandoverReport) -> None:
    raise ValueError(f"{target!r} is immutable: a final report is never deleted")


class BuildStatus(enum.StrEnum):
    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ReportBuild(Model):
    """A draft report the worker builds, or built, for one state of an engagement's data.

    ``data_key`` is the hash of the data the report is built from and of the layout's
    version: two clicks, two users or two hosts asking for the draft of unchanged data find
    this one row, and the draft is built once. ``stamp`` finds it faster while nothing has
    been written since. Unused drafts are dropped after
    DRAFT_KEEP_DAYS. The final report is not built here: closing archives it
    (``HandoverReport``).
    """

    __tablename__ = "report_builds"
    __changes__ = None
    __table_args__ = (
        sa.UniqueConstraint("engagement_id", "data_key"),
        sa.CheckConstraint("length(data_key) = 64", name="data_key_length"),
        sa.Index("ix_report_builds_status_finished_at", "status", "finished_at"),
        sa.Index("ix_report_builds_engagement_id_stamp", "engagement_id", "stamp"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(sa.ForeignKey("engagements.id", ondelete="CASCADE"))
    #: hex SHA-256 of the report's data (``reports.build.draft_key``)
    data_key: Mapped[str] = mapped_column(sa.String(64))
    #: the change counters and day this draft was last found for
    #: (``reports.build.draft_stamp``): asked for again before anything changed, it is
    #: found by them without gathering the report's data
    stamp: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[BuildStatus] = mapped_column(enum_type(BuildStatus), default=BuildStatus.QUEUED)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: written in the language and time zone of the person who asked (part of the key)
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC", server_default="UTC")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the last time someone asked for this draft (unused drafts are dropped)
    last_requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: how often a worker took it up (a crashed worker's build is taken up again)
    attempts: Mapped[int] = mapped_column(default=0)
    #: ``host:pid`` of the worker process building it
    worker: Mapped[str] = mapped_column(sa.String(120), default="")
    identifier: Mapped[str | None] = mapped_column(sa.String(64))
    page_count: Mapped[int | None]
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    #: why the build failed, for the people who asked
    error: Mapped[str] = mapped_column(sa.Text, default="")

    engagement: Mapped[Engagement] = relationship()
    requested_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ReportBuild {self.id} of engagement {self.engagement_id}: {self.status}>"
