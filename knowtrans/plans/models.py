import enum
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowtrans.core.db import UTCDateTime, enum_type, utcnow
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import Model
from knowtrans.skills.models import Skill
from knowtrans.users.models import User

if TYPE_CHECKING:  # the models that refer back to this one
    from knowtrans.confirmations.models import LevelConfirmation
    from knowtrans.learning.models import LearningEntry

_LEVEL_NAMES = {
    1: _l("Novice"),
    2: _l("Advanced beginner"),
    3: _l("Competent"),
    4: _l("Proficient"),
    5: _l("Expert"),
}


class Levels(Mapping[int, str]):
    """The five proficiency levels by number, each named in the language spoken when the
    name is read (``LEVELS[3]`` is "Competent", or "Kompetent" for a German reader)."""

    def __getitem__(self, level: int) -> str:
        return str(_LEVEL_NAMES[level])

    def __iter__(self) -> Iterator[int]:
        return iter(_LEVEL_NAMES)

    def __len__(self) -> int:
        return len(_LEVEL_NAMES)


LEVELS = Levels()


def level_text(level: int) -> str:
    """A level as pages write it, number and name: 3 · Competent."""
    return f"{level} · {LEVELS[level]}"


def lazy_level_text(level: int) -> LazyString:
    """``level_text`` for a choice made at import time, written when it is shown."""
    return LazyString(level_text, level)


class Criticality(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        return str(_CRITICALITY_LABELS[self])


_CRITICALITY_LABELS = {
    Criticality.LOW: _l("Low"),
    Criticality.MEDIUM: _l("Medium"),
    Criticality.HIGH: _l("High"),
    Criticality.CRITICAL: _l("Critical"),
}


class LearnerRole(enum.StrEnum):
    PRIMARY = "primary"
    BACKUP = "backup"

    @property
    def label(self) -> str:
        return str(_ROLE_LABELS[self])


_ROLE_LABELS = {
    LearnerRole.PRIMARY: _l("Primary"),
    LearnerRole.BACKUP: _l("Backup"),
}


class Phase(enum.StrEnum):
    """The classic IT knowledge-transfer phases, in order."""

    PLANNED = "planned"
    SHADOWING = "shadowing"
    REVERSE_SHADOWING = "reverse_shadowing"
    INDEPENDENT = "independent"
    SIGNED_OFF = "signed_off"

    @property
    def label(self) -> str:
        return str(_PHASE_LABELS[self])

    @property
    def step(self) -> int:
        return list(Phase).index(self) + 1


_PHASE_LABELS = {
    Phase.PLANNED: _l("Planned"),
    Phase.SHADOWING: _l("Shadowing"),
    Phase.REVERSE_SHADOWING: _l("Reverse shadowing"),
    Phase.INDEPENDENT: _l("Independent"),
    Phase.SIGNED_OFF: _l("Signed off"),
}


class PlanItem(Model):
    __tablename__ = "plan_items"
    __changes__ = "engagement_id"
    __table_args__ = (
        sa.UniqueConstraint("engagement_id", "skill_id"),
        sa.CheckConstraint("target_level BETWEEN 1 AND 5", name="target_level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skills.id"), index=True)
    target_level: Mapped[int]
    criticality: Mapped[Criticality] = mapped_column(
        enum_type(Criticality), default=Criticality.MEDIUM
    )
    due_date: Mapped[date | None]
    #: the expert's handover notes (Markdown): where things live, gotchas, contacts
    handover_notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: optimistic locking for the item's edit and its handover notes (see Engagement.version)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    engagement: Mapped[Engagement] = relationship(back_populates="plan_items")
    skill: Mapped[Skill] = relationship()
    assignments: Mapped[list["Assignment"]] = relationship(
        back_populates="plan_item", cascade="all, delete-orphan", order_by="Assignment.id"
    )

    def __repr__(self) -> str:
        return f"<PlanItem {self.id} engagement={self.engagement_id} skill={self.skill_id}>"


class Assignment(Model):
    __tablename__ = "assignments"
    __changes__ = "plan_item.engagement_id"
    __table_args__ = (
        sa.UniqueConstraint("plan_item_id", "learner_id"),
        #: the learners awaiting confirmation are one phase of many thousand assignments;
        #: with their plan item and id in the index they are read from it alone
        sa.Index("ix_assignments_phase_plan_item_id", "phase", "plan_item_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plan_items.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    learner_role: Mapped[LearnerRole] = mapped_column(
        enum_type(LearnerRole), default=LearnerRole.PRIMARY
    )
    phase: Mapped[Phase] = mapped_column(enum_type(Phase), default=Phase.PLANNED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan_item: Mapped[PlanItem] = relationship(back_populates="assignments")
    learner: Mapped[User] = relationship()
    confirmations: Mapped[list["LevelConfirmation"]] = relationship(
        back_populates="assignment",
        cascade="all, delete-orphan",
        order_by="(LevelConfirmation.created_at.desc(), LevelConfirmation.id.desc())",
    )
    learning_entries: Mapped[list["LearningEntry"]] = relationship(
        back_populates="assignment",
        cascade="all, delete-orphan",
        order_by="(LearningEntry.date.desc(), LearningEntry.id.desc())",
    )

    def __repr__(self) -> str:
        return f"<Assignment {self.id} plan_item={self.plan_item_id} learner={self.learner_id}>"

    @property
    def latest_confirmation(self) -> "LevelConfirmation | None":
        """The latest confirmation counts; older ones are history."""
        return self.confirmations[0] if self.confirmations else None

    @property
    def confirmed_level(self) -> int | None:
        latest = self.latest_confirmation
        return latest.level if latest else None
