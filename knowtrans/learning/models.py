import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowtrans.core.db import UTCDateTime, enum_type, utcnow
from knowtrans.extensions import Model
from knowtrans.plans.models import Assignment
from knowtrans.users.models import User

#: one entry records at most a long working day
MAX_MINUTES = 720


class Activity(enum.StrEnum):
    SHADOWING = "shadowing"
    PAIRING = "pairing"
    REVERSE_SHADOWING = "reverse_shadowing"
    WALKTHROUGH = "walkthrough"
    DOCUMENTATION = "documentation"
    SELF_STUDY = "self_study"
    WORKSHOP = "workshop"

    @property
    def label(self) -> str:
        """The activity's name in the reader's language: Pairing, Pair-Arbeit."""
        return str(_LABELS[self])

    @property
    def in_sentence(self) -> str:
        """The activity inside a sentence ("90 min of pairing"): lower case in English,
        the noun as German writes it."""
        return str(_IN_SENTENCE[self])


_LABELS = {
    Activity.SHADOWING: _l("Shadowing"),
    Activity.PAIRING: _l("Pairing"),
    Activity.REVERSE_SHADOWING: _l("Reverse shadowing"),
    Activity.WALKTHROUGH: _l("Walkthrough"),
    Activity.DOCUMENTATION: _l("Documentation"),
    Activity.SELF_STUDY: _l("Self-study"),
    Activity.WORKSHOP: _l("Workshop"),
}
_IN_SENTENCE = {
    Activity.SHADOWING: _l("shadowing"),
    Activity.PAIRING: _l("pairing"),
    Activity.REVERSE_SHADOWING: _l("reverse shadowing"),
    Activity.WALKTHROUGH: _l("walkthrough"),
    Activity.DOCUMENTATION: _l("documentation"),
    Activity.SELF_STUDY: _l("self-study"),
    Activity.WORKSHOP: _l("workshop"),
}


class LearningEntry(Model):
    __tablename__ = "learning_entries"
    __changes__ = "assignment.plan_item.engagement_id"
    __table_args__ = (
        sa.CheckConstraint(f"minutes BETWEEN 1 AND {MAX_MINUTES}", name="minutes_range"),
        sa.CheckConstraint(
            "self_level IS NULL OR self_level BETWEEN 1 AND 5", name="self_level_range"
        ),
        sa.CheckConstraint(
            "(hidden_at IS NULL AND hidden_reason IS NULL)"
            " OR (hidden_at IS NOT NULL AND hidden_reason IS NOT NULL)",
            name="hidden_with_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[date]
    activity: Mapped[Activity] = mapped_column(enum_type(Activity))
    minutes: Mapped[int]
    #: what was learned (Markdown)
    learned: Mapped[str] = mapped_column(sa.Text)
    #: the learner's own view of their level afterwards; evidence, never coverage
    self_level: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: hidden by a CTO or IT lead, with the reason (a flood of entries, text that must not be
    #: in the record): kept for the audit trail, left out of totals, pages and the report
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: a lead erased the text, links and questions of the hidden entry for good (a password
    #: pasted by mistake, personal data); who and when is in the audit log. An erased entry
    #: stays hidden (``show_entry`` refuses it)
    text_erased: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: optimistic locking (see Engagement.version)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    assignment: Mapped[Assignment] = relationship(back_populates="learning_entries")
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])
    evidence_links: Mapped[list["EvidenceLink"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EvidenceLink.position"
    )
    questions: Mapped[list["OpenQuestion"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="OpenQuestion.id"
    )

    def __repr__(self) -> str:
        return f"<LearningEntry {self.id} assignment={self.assignment_id}>"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class EvidenceLink(Model):
    __tablename__ = "evidence_links"
    __changes__ = "entry.assignment.plan_item.engagement_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_entries.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    #: http(s) only; checked by the form
    url: Mapped[str] = mapped_column(sa.String(500))

    entry: Mapped[LearningEntry] = relationship(back_populates="evidence_links")


class OpenQuestion(Model):
    __tablename__ = "open_questions"
    __changes__ = "entry.assignment.plan_item.engagement_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_entries.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.String(500))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    entry: Mapped[LearningEntry] = relationship(back_populates="questions")
    resolved_by: Mapped[User | None] = relationship()

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
