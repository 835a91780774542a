import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowtrans.core.db import UTCDateTime, enum_type, utcnow
from knowtrans.extensions import Model
from knowtrans.users.models import User

if TYPE_CHECKING:  # the models that refer back to this one
    from knowtrans.plans.models import PlanItem


class EngagementStatus(enum.StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    HANDOVER = "handover"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """The status as people read it, in the current language."""
        return str(_STATUS_LABELS[self])

    @property
    def next_status(self) -> "EngagementStatus | None":
        """The next step along planned → active → handover (closing has its own flow)."""
        return {
            EngagementStatus.PLANNED: EngagementStatus.ACTIVE,
            EngagementStatus.ACTIVE: EngagementStatus.HANDOVER,
        }.get(self)


_STATUS_LABELS = {
    EngagementStatus.PLANNED: _l("Planned"),
    EngagementStatus.ACTIVE: _l("Active"),
    EngagementStatus.HANDOVER: _l("Handover"),
    EngagementStatus.CLOSED: _l("Closed"),
}


class Engagement(Model):
    __tablename__ = "engagements"
    __changes__ = "id"
    __table_args__ = (sa.CheckConstraint("planned_end_date >= start_date", name="end_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    client: Mapped[str] = mapped_column(sa.String(120))
    project: Mapped[str] = mapped_column(sa.String(160), default="")
    start_date: Mapped[date]
    planned_end_date: Mapped[date]
    #: Markdown
    objectives: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[EngagementStatus] = mapped_column(
        enum_type(EngagementStatus), default=EngagementStatus.PLANNED, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why uncovered critical items were accepted at closing (goes into the final report)
    close_justification: Mapped[str] = mapped_column(sa.Text, default="")
    #: closing is a job: asked for by whom and when (None: not being closed); while it runs
    #: the engagement is read-only
    closing_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: when a worker took the closing up, and which (``host:pid``)
    closing_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_worker: Mapped[str] = mapped_column(sa.String(120), default="")
    #: how often a worker took the closing up (one whose workers keep dying is given up)
    closing_attempts: Mapped[int] = mapped_column(default=0)
    #: why the last attempt to close failed; shown on the engagement's page
    closing_error: Mapped[str] = mapped_column(sa.Text, default="")
    #: optimistic locking: every UPDATE checks and bumps it, so an edit made on an older
    #: version fails instead of overwriting someone else's save
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    expert: Mapped[User] = relationship(foreign_keys=[expert_id])
    closing_requested_by: Mapped[User | None] = relationship(foreign_keys=[closing_requested_by_id])
    plan_items: Mapped[list["PlanItem"]] = relationship(
        back_populates="engagement", cascade="all, delete-orphan", order_by="PlanItem.id"
    )

    def __repr__(self) -> str:
        return f"<Engagement {self.id} {self.title}>"

    @property
    def is_closed(self) -> bool:
        return self.status is EngagementStatus.CLOSED

    @property
    def is_closing(self) -> bool:
        """Asked to close; the worker is building the final report."""
        return self.closing_requested_at is not None and not self.is_closed

    @property
    def is_locked(self) -> bool:
        """Read-only: closed, or being closed."""
        return self.is_closed or self.closing_requested_at is not None
