from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowtrans.core.db import UTCDateTime, utcnow
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import Model
from knowtrans.users.models import User


class HandoverReport(Model):
    """The final handover report of a closed engagement: stored once, never replaced.

    Drafts are generated on demand and not stored (their generation is audited).
    """

    __tablename__ = "handover_reports"
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
