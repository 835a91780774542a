"""Writes on the transfer plan. Each function enforces its rules (raising ``Refused``) and
flushes; the request pipeline commits."""

from datetime import date

import sqlalchemy as sa

from knowtrans.audit.operations import record_event
from knowtrans.core.concurrency import check_version
from knowtrans.core.errors import Refused
from knowtrans.core.formatting import format_date
from knowtrans.core.integrity import unique_or_refused
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.learning.models import LearningEntry
from knowtrans.plans.models import LEVELS, Assignment, Criticality, LearnerRole, Phase, PlanItem
from knowtrans.plans.queries import is_assigned, skill_on_plan
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role, User

__all__ = ["Refused"]


def _target_text(level: int) -> str:
    return f"{level} · {LEVELS[level]}"


def recorded_learning(assignments: list[Assignment]) -> str:
    """What removing these assignments would destroy, as text; empty when nothing."""
    entries = _entry_count([assignment.id for assignment in assignments])
    confirmations = sum(len(assignment.confirmations) for assignment in assignments)
    parts = []
    if entries:
        parts.append(f"{entries} learning {'entry' if entries == 1 else 'entries'}")
    if confirmations:
        parts.append(f"{confirmations} level confirmation{'' if confirmations == 1 else 's'}")
    return " and ".join(parts)


def _entry_count(assignment_ids: list[int]) -> int:
    """Learning entries of the assignments, hidden ones included (one query, none loaded)."""
    if not assignment_ids:
        return 0
    count = db.session.scalar(
        sa.select(sa.func.count(LearningEntry.id)).where(
            LearningEntry.assignment_id.in_(assignment_ids)
        )
    )
    return count or 0


def create_plan_item(
    engagement: Engagement,
    *,
    skill: Skill,
    target_level: int,
    criticality: Criticality,
    due_date: date | None,
    actor: User,
) -> PlanItem:
    """Raises Refused for a skill check_skill does not allow, or a due date outside the
    engagement."""
    check_skill(engagement, skill)
    check_due_date(engagement, due_date)
    item = PlanItem(
        engagement=engagement,
        skill=skill,
        target_level=target_level,
        criticality=criticality,
        due_date=due_date,
        handover_notes="",
    )
    with unique_or_refused(f"{skill.name} is already on this plan.", field="skill_id"):
        db.session.add(item)
    summary = (
        f"Added {skill.name} to the plan: target {_target_text(target_level)}, "
        f"{criticality.label.lower()} criticality"
    )
    if due_date:
        summary += f", due {format_date(due_date)}"
    record_event(actor, "plan_item.create", item, summary, engagement_id=engagement.id)
    return item


def update_plan_item(
    item: PlanItem,
    *,
    target_level: int,
    criticality: Criticality,
    due_date: date | None,
    version: int | None,
    actor: User,
) -> list[str]:
    """Apply the edit made on ``version``; returns what changed, in words (nothing recorded if
    nothing changed). Raises EditConflict when someone else saved the item in between, Refused
    for a due date outside the engagement."""
    check_version(item, version)
    check_due_date(item.engagement, due_date)
    changes = []
    if item.target_level != target_level:
        changes.append(f"target {_target_text(item.target_level)} → {_target_text(target_level)}")
    if item.criticality != criticality:
        changes.append(f"criticality {item.criticality.label} → {criticality.label}")
    if item.due_date != due_date:
        changes.append(f"due date {format_date(item.due_date)} → {format_date(due_date)}")
    if not changes:
        return []
    item.target_level = target_level
    item.criticality = criticality
    item.due_date = due_date
    summary = f"Changed {item.skill.name}: {'; '.join(changes)}"
    record_event(actor, "plan_item.update", item, summary, engagement_id=item.engagement_id)
    return changes


def delete_plan_item(item: PlanItem, *, actor: User) -> None:
    """Remove an item whose learners have recorded nothing yet; learning is never thrown away."""
    if recorded := recorded_learning(item.assignments):
        raise Refused(
            f"{item.skill.name} stays on the plan: what is recorded on it ({recorded}) "
            "remains part of the handover record."
        )
    learners = [assignment.learner.name for assignment in item.assignments]
    summary = f"Removed {item.skill.name} from the plan"
    if learners:
        summary += f", with the assignments of {', '.join(learners)}"
    record_event(actor, "plan_item.delete", item, summary, engagement_id=item.engagement_id)
    db.session.delete(item)
    db.session.flush()


def set_handover_notes(item: PlanItem, notes: str, *, version: int | None, actor: User) -> bool:
    """Store the expert's notes written on the item's ``version``; returns False (and records
    nothing) when unchanged. Raises EditConflict when someone else saved the item in between."""
    check_version(item, version)
    if item.handover_notes == notes:
        return False
    item.handover_notes = notes
    verb = "Updated" if notes else "Cleared"
    summary = f"{verb} the handover notes for {item.skill.name}"
    record_event(actor, "plan_item.notes", item, summary, engagement_id=item.engagement_id)
    return True


def check_skill(engagement: Engagement, skill: Skill) -> None:
    """Refuse a skill that cannot go on ``engagement``'s plan: an archived one, or one that is
    on it already."""
    if skill.archived:
        raise Refused(f"Choose a skill from the list. {skill.name} is archived.", field="skill_id")
    if skill_on_plan(engagement, skill):
        raise Refused(f"{skill.name} is already on this plan.", field="skill_id")


def check_due_date(engagement: Engagement, due_date: date | None) -> None:
    """A plan item is due within its engagement: not before the start, not after the end."""
    if due_date is None:
        return
    if due_date < engagement.start_date:
        raise Refused(
            "The due date cannot be before the engagement starts "
            f"({format_date(engagement.start_date)}).",
            field="due_date",
        )
    if due_date > engagement.planned_end_date:
        raise Refused(
            "The due date must be on or before the planned end "
            f"({format_date(engagement.planned_end_date)}).",
            field="due_date",
        )


def check_learner(engagement: Engagement, learner: User) -> None:
    """Refuse a learner who may not learn on ``engagement``: learners are active internal staff,
    and the engagement's expert never learns from themself."""
    if not learner.active:
        raise Refused(f"{learner.name}'s account is inactive.", field="learner_id")
    if not learner.is_internal:
        raise Refused(
            f"{learner.name} is an external user; only internal staff can be learners.",
            field="learner_id",
        )
    if not learner.has_role(Role.STAFF):
        raise Refused(f"{learner.name} does not have the staff role.", field="learner_id")
    if learner.id == engagement.expert_id:
        raise Refused(
            f"{learner.name} is this engagement's expert and cannot learn from themself.",
            field="learner_id",
        )


def check_assignable(item: PlanItem, learner: User) -> None:
    """Refuse a learner check_learner does not allow on the item's engagement, or one
    assigned to the item already."""
    check_learner(item.engagement, learner)
    if is_assigned(item, learner):
        raise Refused(
            f"{learner.name} is already assigned to {item.skill.name}.", field="learner_id"
        )


def assign_learner(
    item: PlanItem, *, learner: User, learner_role: LearnerRole, actor: User
) -> Assignment:
    """Raises Refused for a learner check_assignable does not allow."""
    check_assignable(item, learner)
    assignment = Assignment(
        plan_item=item, learner=learner, learner_role=learner_role, phase=Phase.PLANNED
    )
    with unique_or_refused(
        f"{learner.name} is already assigned to {item.skill.name}.", field="learner_id"
    ):
        db.session.add(assignment)
    summary = f"Assigned {learner.name} ({learner_role.value}) to {item.skill.name}"
    record_event(actor, "assignment.create", assignment, summary, engagement_id=item.engagement_id)
    return assignment


def unassign_learner(assignment: Assignment, *, actor: User) -> None:
    """Remove an assignment on which nothing is recorded yet."""
    item = assignment.plan_item
    if recorded := recorded_learning([assignment]):
        advice = (
            " Make them a backup learner instead."
            if assignment.learner_role is LearnerRole.PRIMARY
            else ""
        )
        raise Refused(
            f"{assignment.learner.name} stays assigned to {item.skill.name}: what is recorded "
            f"({recorded}) remains part of the handover record.{advice}"
        )
    summary = f"Unassigned {assignment.learner.name} from {item.skill.name}"
    record_event(actor, "assignment.delete", assignment, summary, engagement_id=item.engagement_id)
    db.session.delete(assignment)
    db.session.flush()


def set_learner_role(assignment: Assignment, role: LearnerRole, *, actor: User) -> bool:
    """Make the learner primary or backup; returns False when unchanged."""
    if assignment.learner_role is role:
        return False
    assignment.learner_role = role
    item = assignment.plan_item
    summary = f"Made {assignment.learner.name} the {role.value} learner for {item.skill.name}"
    record_event(actor, "assignment.role", assignment, summary, engagement_id=item.engagement_id)
    return True


def set_phase(assignment: Assignment, phase: Phase, *, actor: User) -> bool:
    """Move the learner to ``phase``; returns False (nothing recorded) when already there.

    Signing off needs a confirmed level at or above the target.
    """
    if assignment.phase is phase:
        return False
    target = assignment.plan_item.target_level
    if phase is Phase.SIGNED_OFF and (assignment.confirmed_level or 0) < target:
        raise Refused(
            f"{assignment.learner.name} cannot be signed off on {assignment.plan_item.skill.name}: "
            f"signing off needs a confirmed level of at least {_target_text(target)}. "
            "The expert or an IT lead confirms levels."
        )
    previous = assignment.phase
    assignment.phase = phase
    item = assignment.plan_item
    moved = f"{previous.label} → {phase.label}"
    summary = f"Moved {assignment.learner.name} on {item.skill.name}: {moved}"
    record_event(actor, "assignment.phase", assignment, summary, engagement_id=item.engagement_id)
    return True
