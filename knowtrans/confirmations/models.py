from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowtrans.core.db import UTCDateTime, utcnow
from knowtrans.extensions import Model
from knowtrans.plans.models import Assignment
from knowtrans.users.models import User


class LevelConfirmation(Model):
    """A level confirmed by the expert or an IT lead; the latest one counts."""

    __tablename__ = "level_confirmations"
    __changes__ = "assignment.plan_item.engagement_id"
    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        #: an assignment's confirmations newest first, so the latest is one index step, and
        #: its level is read from the index alone
        sa.Index("ix_level_confirmations_latest", "assignment_id", "created_at", "id", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id", ondelete="CASCADE"))
    level: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    confirmed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="confirmations")
    confirmed_by: Mapped[User] = relationship()
