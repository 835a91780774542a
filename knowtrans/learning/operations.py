"""Writes on the learning log. Each function flushes; the caller commits."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from knowtrans.audit.operations import record_event
from knowtrans.core.clock import today, utcnow
from knowtrans.core.concurrency import check_version
from knowtrans.core.errors import Refused
from knowtrans.core.formatting import format_date, format_minutes
from knowtrans.extensions import db
from knowtrans.learning.models import Activity, EvidenceLink, LearningEntry, OpenQuestion
from knowtrans.learning.queries import entries_recorded_by
from knowtrans.plans.models import Assignment, PlanItem
from knowtrans.users.models import User

__all__ = ["Refused"]


@dataclass(frozen=True)
class EntryDetails:
    """A learning entry as the learner typed it, checked."""

    date: date
    activity: Activity
    minutes: int
    learned: str
    evidence_urls: list[str]
    self_level: int | None
    questions: list[str]


#: how far before the engagement's start a learning entry may be dated (onboarding, reading)
EARLY_DAYS = 30


def earliest_entry_date(assignment: Assignment) -> date:
    try:
        return assignment.plan_item.engagement.start_date - timedelta(days=EARLY_DAYS)
    except OverflowError:
        return date.min


def check_entry_date(assignment: Assignment, day: date) -> None:
    """Learning is dated on a day that has come, at most EARLY_DAYS before the engagement."""
    if day > today():
        raise Refused(_("The date cannot be in the future."), field="date")
    earliest = earliest_entry_date(assignment)
    if day < earliest:
        raise Refused(
            ngettext(
                "The date cannot be before %(date)s (%(num)d day before the engagement started).",
                "The date cannot be before %(date)s (%(num)d days before the engagement started).",
                EARLY_DAYS,
                date=format_date(earliest),
            ),
            field="date",
        )


def create_entry(assignment: Assignment, details: EntryDetails, *, actor: User) -> LearningEntry:
    """Raises Refused for a date in the future or long before the engagement."""
    check_entry_date(assignment, details.date)
    entry = LearningEntry(assignment=assignment)
    _apply(entry, details)
    entry.questions = [OpenQuestion(text=text) for text in details.questions]
    db.session.add(entry)
    summary = _("Recorded %(duration)s of %(activity)s on %(date)s for %(skill)s", **_facts(entry))
    record_event(
        actor, "learning_entry.create", entry, summary, engagement_id=_engagement_id(entry)
    )
    return entry


def update_entry(
    entry: LearningEntry, details: EntryDetails, *, version: int | None, actor: User
) -> LearningEntry:
    """Apply the edit made on the entry's ``version``; raises EditConflict when someone else
    saved it in between. Questions whose text is unchanged keep their resolved state; others
    come and go."""
    check_version(entry, version)
    check_entry_date(entry.assignment, details.date)
    # one UPDATE of the row, at the end: loading the old links or questions must not flush
    # the half-applied edit first (each flush would move the version)
    with db.session.no_autoflush:
        _apply(entry, details)
        unchanged: dict[str, OpenQuestion] = {}
        for question in entry.questions:
            unchanged.setdefault(question.text, question)
        entry.questions = [
            unchanged.get(text) or OpenQuestion(text=text) for text in details.questions
        ]
        # the row itself may not change when only links or questions do; touching it also
        # moves the version, so a concurrent edit of the links or questions is noticed too
        entry.updated_at = utcnow()
    summary = _("Updated %(duration)s of %(activity)s on %(date)s for %(skill)s", **_facts(entry))
    record_event(
        actor, "learning_entry.update", entry, summary, engagement_id=_engagement_id(entry)
    )
    return entry


def delete_entry(entry: LearningEntry, *, actor: User) -> None:
    summary = _("Deleted %(duration)s of %(activity)s on %(date)s for %(skill)s", **_facts(entry))
    record_event(
        actor, "learning_entry.delete", entry, summary, engagement_id=_engagement_id(entry)
    )
    db.session.delete(entry)
    db.session.flush()


def resolve_question(question: OpenQuestion, *, actor: User) -> OpenQuestion:
    """Mark the question resolved; resolving it again changes nothing."""
    if question.is_resolved:
        return question
    question.resolved_at = utcnow()
    question.resolved_by = actor
    record_event(
        actor,
        "question.resolve",
        question,
        _("Resolved question: %(question)s", question=question.text),
        engagement_id=question.entry.assignment.plan_item.engagement_id,
    )
    return question


def _apply(entry: LearningEntry, details: EntryDetails) -> None:
    entry.date = details.date
    entry.activity = details.activity
    entry.minutes = details.minutes
    entry.learned = details.learned
    entry.self_level = details.self_level
    entry.evidence_links = [
        EvidenceLink(url=url, position=position)
        for position, url in enumerate(details.evidence_urls)
    ]


def _facts(entry: LearningEntry, *, whose: bool = False) -> dict[str, str]:
    """The entry in an audit summary, in the actor's language: how long, what kind, which
    day, for which skill; ``whose`` too in a summary a lead's act records."""
    assignment = entry.assignment
    facts = {
        "duration": format_minutes(entry.minutes),
        "activity": entry.activity.in_sentence,
        "date": format_date(entry.date),
        "skill": assignment.plan_item.skill.name,
    }
    if whose:
        facts["learner"] = assignment.learner.name
    return facts


def _engagement_id(entry: LearningEntry) -> int:
    """Where an event about the entry goes: its engagement's history."""
    return entry.assignment.plan_item.engagement_id


def hide_entry(entry: LearningEntry, *, reason: str, actor: User) -> LearningEntry:
    """Hide the entry from pages, totals and the report; the author sees that and why.

    The entry stays in the database and the audit trail. Hiding it again changes nothing.
    """
    reason = _reason(reason)
    if entry.is_hidden:
        return entry
    entry.hidden_at = utcnow()
    entry.hidden_by = actor
    entry.hidden_reason = reason
    summary = _(
        "Hid %(duration)s of %(activity)s on %(date)s of %(learner)s for %(skill)s: %(reason)s",
        reason=reason,
        **_facts(entry, whose=True),
    )
    record_event(actor, "learning_entry.hide", entry, summary, engagement_id=_engagement_id(entry))
    return entry


def erase_entry_text(entry: LearningEntry, *, actor: User) -> LearningEntry:
    """Erase a hidden entry's text, evidence links and questions for good (a password pasted
    by mistake, personal data): what remains is when, what kind and how long, and the
    reason it was hidden. It cannot be shown again. Erasing it again changes nothing."""
    if not entry.is_hidden:
        raise Refused(_("Hide the entry first, with the reason; then erase its text."))
    if entry.text_erased:
        return entry
    entry.learned = ""
    entry.evidence_links = []
    entry.questions = []
    entry.text_erased = True
    summary = _(
        "Erased the text, links and questions of %(duration)s of %(activity)s on %(date)s "
        "of %(learner)s for %(skill)s",
        **_facts(entry, whose=True),
    )
    record_event(actor, "learning_entry.erase", entry, summary, engagement_id=_engagement_id(entry))
    return entry


def show_entry(entry: LearningEntry, *, actor: User) -> LearningEntry:
    """Undo hiding: the entry counts and appears again (not one whose text was erased)."""
    if not entry.is_hidden:
        return entry
    if entry.text_erased:
        raise Refused(_("The text of this entry was erased; there is nothing to show again."))
    reason = entry.hidden_reason
    entry.hidden_at = entry.hidden_by = entry.hidden_reason = None
    summary = _(
        "Showed again %(duration)s of %(activity)s on %(date)s of %(learner)s for %(skill)s "
        "(hidden because: %(reason)s)",
        reason=reason,
        **_facts(entry, whose=True),
    )
    record_event(actor, "learning_entry.show", entry, summary, engagement_id=_engagement_id(entry))
    return entry


def hide_entries(
    engagement_id: int,
    learner: User,
    *,
    recorded_from: datetime,
    recorded_until: datetime,
    reason: str,
    actor: User,
) -> int:
    """Hide every visible entry ``learner`` recorded on the engagement in the time range,
    with one reason and one audit event; returns how many. One UPDATE, whatever the number."""
    reason = _reason(reason)
    if recorded_from >= recorded_until:
        raise Refused(_("The end of the time range must be after its start."))
    matching = entries_recorded_by(engagement_id, learner.id, recorded_from, recorded_until)
    ids = matching.with_only_columns(LearningEntry.id).scalar_subquery()
    # visible in the statement's own condition too: two overlapping hides at the same moment
    # must not both claim an entry (and the second overwrite the first's reason)
    hidden = _set_hidden(
        sa.and_(LearningEntry.id.in_(ids), LearningEntry.hidden_at.is_(None)),
        hidden_at=utcnow(),
        hidden_by_id=actor.id,
        hidden_reason=reason,
    )
    if hidden:
        record_event(
            actor,
            "learning_entry.hide_many",
            learner,
            ngettext(
                "Hid %(num)d learning entry of %(learner)s recorded from %(start)s until "
                "before %(end)s: %(reason)s",
                "Hid %(num)d learning entries of %(learner)s recorded from %(start)s until "
                "before %(end)s: %(reason)s",
                hidden,
                learner=learner.name,
                start=format_date(recorded_from),
                end=format_date(recorded_until),
                reason=reason,
            ),
            engagement_id=engagement_id,
        )
    return hidden


def show_hidden_act(engagement_id: int, learner: User, *, hidden_at: datetime, actor: User) -> int:
    """Undo one act of hiding: every entry of ``learner`` on the engagement hidden at
    ``hidden_at`` counts and appears again (one UPDATE); returns how many."""
    of_engagement = (
        sa.select(Assignment.id)
        .join(Assignment.plan_item)
        .where(PlanItem.engagement_id == engagement_id, Assignment.learner_id == learner.id)
        .scalar_subquery()
    )
    shown = _set_hidden(
        sa.and_(
            LearningEntry.assignment_id.in_(of_engagement),
            LearningEntry.hidden_at == hidden_at,
            LearningEntry.text_erased.is_(False),
        ),
        hidden_at=None,
        hidden_by_id=None,
        hidden_reason=None,
    )
    if shown:
        record_event(
            actor,
            "learning_entry.show_many",
            learner,
            ngettext(
                "Showed again %(num)d learning entry of %(learner)s hidden on %(moment)s",
                "Showed again %(num)d learning entries of %(learner)s hidden on %(moment)s",
                shown,
                learner=learner.name,
                moment=format_date(hidden_at),
            ),
            engagement_id=engagement_id,
        )
    return shown


def _set_hidden(condition: sa.ColumnElement[bool], **values: object) -> int:
    """One UPDATE of the hiding columns of the entries ``condition`` selects; how many.

    The bulk statement bypasses the mapper's version counter: it moves the version by hand,
    so that an edit or a hiding opened before is refused as a conflict."""
    result = db.session.execute(
        sa.update(LearningEntry)
        .where(condition)
        .values(**values, version=LearningEntry.version + 1)
        .execution_options(synchronize_session=False)
    )
    changed = cast("sa.CursorResult[Any]", result).rowcount
    db.session.expire_all()
    return changed


#: the column size of learning_entries.hidden_reason
MAX_REASON: int = cast(sa.String, LearningEntry.__table__.c.hidden_reason.type).length or 500


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Refused(
            _("Say why the entry is hidden: the learner sees the reason."), field="reason"
        )
    if len(reason) > MAX_REASON:
        raise Refused(
            _("The reason is longer than %(max)d characters.", max=MAX_REASON), field="reason"
        )
    return reason
