"""Writes on the learning log. Each function flushes; the caller commits."""

from dataclasses import dataclass
from datetime import date

from knowtrans.audit.operations import record_event
from knowtrans.auth.models import User
from knowtrans.core.clock import utcnow
from knowtrans.core.concurrency import check_version
from knowtrans.core.web import format_minutes
from knowtrans.extensions import db
from knowtrans.learning.models import Activity, EvidenceLink, LearningEntry, OpenQuestion
from knowtrans.plans.models import Assignment


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


def create_entry(assignment: Assignment, details: EntryDetails, *, actor: User) -> LearningEntry:
    entry = LearningEntry(assignment=assignment)
    _apply(entry, details)
    entry.questions = [OpenQuestion(text=text) for text in details.questions]
    db.session.add(entry)
    record_event(
        actor,
        "learning_entry.create",
        entry,
        f"Recorded {_what(entry)} for {assignment.plan_item.skill.name}",
        engagement_id=assignment.plan_item.engagement_id,
    )
    return entry


def update_entry(
    entry: LearningEntry, details: EntryDetails, *, version: int | None, actor: User
) -> LearningEntry:
    """Apply the edit made on the entry's ``version``; raises EditConflict when someone else
    saved it in between. Questions whose text is unchanged keep their resolved state; others
    come and go."""
    check_version(entry, version)
    _apply(entry, details)
    unchanged: dict[str, OpenQuestion] = {}
    for question in entry.questions:
        unchanged.setdefault(question.text, question)
    entry.questions = [unchanged.get(text) or OpenQuestion(text=text) for text in details.questions]
    # the row itself may not change when only links or questions do; touching it also moves
    # the version, so a concurrent edit of the links or questions is noticed too
    entry.updated_at = utcnow()
    assignment = entry.assignment
    record_event(
        actor,
        "learning_entry.update",
        entry,
        f"Updated {_what(entry)} for {assignment.plan_item.skill.name}",
        engagement_id=assignment.plan_item.engagement_id,
    )
    return entry


def delete_entry(entry: LearningEntry, *, actor: User) -> None:
    assignment = entry.assignment
    record_event(
        actor,
        "learning_entry.delete",
        entry,
        f"Deleted {_what(entry)} for {assignment.plan_item.skill.name}",
        engagement_id=assignment.plan_item.engagement_id,
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
        f"Resolved question: {question.text}",
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


def _what(entry: LearningEntry) -> str:
    return f"{format_minutes(entry.minutes)} of {entry.activity.label.lower()} on {entry.date}"
