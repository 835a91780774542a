"""Writes on the transfer plan. Each function enforces its rules (raising ``Refused``) and
flushes; the request pipeline commits."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from knowtrans.audit.operations import record_event
from knowtrans.core.concurrency import check_version
from knowtrans.core.errors import Refused
from knowtrans.core.formatting import format_date, format_number
from knowtrans.core.integrity import unique_or_refused
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.learning.models import LearningEntry
from knowtrans.plans.models import (
    Assignment,
    Criticality,
    LearnerRole,
    Phase,
    PlanItem,
    level_text,
)
from knowtrans.plans.queries import is_assigned, skill_on_plan
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role, User

__all__ = ["Refused"]


def recorded_learning(assignments: list[Assignment]) -> str:
    """What removing these assignments would destroy, as text; empty when nothing."""
    entries = _entry_count([assignment.id for assignment in assignments])
    confirmations = sum(len(assignment.confirmations) for assignment in assignments)
    entries_text = ngettext(
        "%(count)s learning entry",
        "%(count)s learning entries",
        entries,
        count=format_number(entries),
    )
    confirmations_text = ngettext(
        "%(count)s level confirmation",
        "%(count)s level confirmations",
        confirmations,
        count=format_number(confirmations),
    )
    if entries and confirmations:
        return _(
            "%(entries)s and %(confirmations)s",
            entries=entries_text,
            confirmations=confirmations_text,
        )
    if entries:
        return entries_text
    if confirmations:
        return confirmations_text
    return ""


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
    with unique_or_refused(
        _("%(skill)s is already on this plan.", skill=skill.name), field="skill_id"
    ):
        db.session.add(item)
    facts = {
        "skill": skill.name,
        "target": level_text(target_level),
        # an adjective after the number: "high criticality", "Kritikalität hoch"
        "criticality": criticality.label.lower(),
    }
    if due_date:
        summary = _(
            "Added %(skill)s to the plan: target %(target)s, %(criticality)s criticality, "
            "due %(due)s",
            due=format_date(due_date),
            **facts,
        )
    else:
        summary = _(
            "Added %(skill)s to the plan: target %(target)s, %(criticality)s criticality",
            **facts,
        )
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
        changes.append(
            _(
                "target %(before)s → %(after)s",
                before=level_text(item.target_level),
                after=level_text(target_level),
            )
        )
    if item.criticality != criticality:
        changes.append(
            _(
                "criticality %(before)s → %(after)s",
                before=item.criticality.label,
                after=criticality.label,
            )
        )
    if item.due_date != due_date:
        changes.append(
            _(
                "due date %(before)s → %(after)s",
                before=format_date(item.due_date),
                after=format_date(due_date),
            )
        )
    if not changes:
        return []
    item.target_level = target_level
    item.criticality = criticality
    item.due_date = due_date
    summary = _("Changed %(skill)s: %(changes)s", skill=item.skill.name, changes="; ".join(changes))
    record_event(actor, "plan_item.update", item, summary, engagement_id=item.engagement_id)
    return changes


def delete_plan_item(item: PlanItem, *, actor: User) -> None:
    """Remove an item whose learners have recorded nothing yet; learning is never thrown away."""
    if recorded := recorded_learning(item.assignments):
        raise Refused(
            _(
                "%(skill)s stays on the plan: what is recorded on it (%(recorded)s) remains "
                "part of the handover record.",
                skill=item.skill.name,
                recorded=recorded,
            )
        )
    learners = [assignment.learner.name for assignment in item.assignments]
    if learners:
        summary = _(
            "Removed %(skill)s from the plan, with the assignments of %(learners)s",
            skill=item.skill.name,
            learners=", ".join(learners),
        )
    else:
        summary = _("Removed %(skill)s from the plan", skill=item.skill.name)
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
    if notes:
        summary = _("Updated the handover notes for %(skill)s", skill=item.skill.name)
    else:
        summary = _("Cleared the handover notes for %(skill)s", skill=item.skill.name)
    record_event(actor, "plan_item.notes", item, summary, engagement_id=item.engagement_id)
    return True


def check_skill(engagement: Engagement, skill: Skill) -> None:
    """Refuse a skill that cannot go on ``engagement``'s plan: an archived one, or one that is
    on it already."""
    if skill.archived:
        raise Refused(
            _("Choose a skill from the list. %(skill)s is archived.", skill=skill.name),
            field="skill_id",
        )
    if skill_on_plan(engagement, skill):
        raise Refused(_("%(skill)s is already on this plan.", skill=skill.name), field="skill_id")


def check_due_date(engagement: Engagement, due_date: date | None) -> None:
    """A plan item is due within its engagement: not before the start, not after the end."""
    if due_date is None:
        return
    if due_date < engagement.start_date:
        raise Refused(
            _(
                "The due date cannot be before the engagement starts (%(start)s).",
                start=format_date(engagement.start_date),
            ),
            field="due_date",
        )
    if due_date > engagement.planned_end_date:
        raise Refused(
            _(
                "The due date must be on or before the planned end (%(end)s).",
                end=format_date(engagement.planned_end_date),
            ),
            field="due_date",
        )


def check_learner(engagement: Engagement, learner: User) -> None:
    """Refuse a learner who may not learn on ``engagement``: learners are active internal staff,
    and the engagement's expert never learns from themself."""
    if not learner.active:
        raise Refused(_("%(name)s's account is inactive.", name=learner.name), field="learner_id")
    if not learner.is_internal:
        raise Refused(
            _(
                "%(name)s is an external user; only internal staff can be learners.",
                name=learner.name,
            ),
            field="learner_id",
        )
    if not learner.has_role(Role.STAFF):
        raise Refused(
            _("%(name)s does not have the staff role.", name=learner.name), field="learner_id"
        )
    if learner.id == engagement.expert_id:
        raise Refused(
            _(
                "%(name)s is this engagement's expert and cannot learn from themself.",
                name=learner.name,
            ),
            field="learner_id",
        )


def check_assignable(item: PlanItem, learner: User) -> None:
    """Refuse a learner check_learner does not allow on the item's engagement, or one
    assigned to the item already."""
    check_learner(item.engagement, learner)
    if is_assigned(item, learner):
        raise Refused(_already_assigned(item, learner), field="learner_id")


def _already_assigned(item: PlanItem, learner: User) -> str:
    return _("%(name)s is already assigned to %(skill)s.", name=learner.name, skill=item.skill.name)


def assign_learner(
    item: PlanItem, *, learner: User, learner_role: LearnerRole, actor: User
) -> Assignment:
    """Raises Refused for a learner check_assignable does not allow."""
    check_assignable(item, learner)
    assignment = Assignment(
        plan_item=item, learner=learner, learner_role=learner_role, phase=Phase.PLANNED
    )
    with unique_or_refused(_already_assigned(item, learner), field="learner_id"):
        db.session.add(assignment)
    names = {"name": learner.name, "skill": item.skill.name}
    if learner_role is LearnerRole.PRIMARY:
        summary = _("Assigned %(name)s (primary) to %(skill)s", **names)
    else:
        summary = _("Assigned %(name)s (backup) to %(skill)s", **names)
    record_event(actor, "assignment.create", assignment, summary, engagement_id=item.engagement_id)
    return assignment


def unassign_learner(assignment: Assignment, *, actor: User) -> None:
    """Remove an assignment on which nothing is recorded yet."""
    item = assignment.plan_item
    if recorded := recorded_learning([assignment]):
        facts = {"name": assignment.learner.name, "skill": item.skill.name, "recorded": recorded}
        if assignment.learner_role is LearnerRole.PRIMARY:
            message = _(
                "%(name)s stays assigned to %(skill)s: what is recorded (%(recorded)s) remains "
                "part of the handover record. Make them a backup learner instead.",
                **facts,
            )
        else:
            message = _(
                "%(name)s stays assigned to %(skill)s: what is recorded (%(recorded)s) remains "
                "part of the handover record.",
                **facts,
            )
        raise Refused(message)
    summary = _(
        "Unassigned %(name)s from %(skill)s", name=assignment.learner.name, skill=item.skill.name
    )
    record_event(actor, "assignment.delete", assignment, summary, engagement_id=item.engagement_id)
    db.session.delete(assignment)
    db.session.flush()


def set_learner_role(assignment: Assignment, role: LearnerRole, *, actor: User) -> bool:
    """Make the learner primary or backup; returns False when unchanged."""
    if assignment.learner_role is role:
        return False
    assignment.learner_role = role
    item = assignment.plan_item
    names = {"name": assignment.learner.name, "skill": item.skill.name}
    if role is LearnerRole.PRIMARY:
        summary = _("Made %(name)s the primary learner for %(skill)s", **names)
    else:
        summary = _("Made %(name)s the backup learner for %(skill)s", **names)
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
            _(
                "%(name)s cannot be signed off on %(skill)s: signing off needs a confirmed level "
                "of at least %(target)s. The expert or an IT lead confirms levels.",
                name=assignment.learner.name,
                skill=assignment.plan_item.skill.name,
                target=level_text(target),
            )
        )
    previous = assignment.phase
    assignment.phase = phase
    item = assignment.plan_item
    summary = _(
        "Moved %(name)s on %(skill)s: %(before)s → %(after)s",
        name=assignment.learner.name,
        skill=item.skill.name,
        before=previous.label,
        after=phase.label,
    )
    record_event(actor, "assignment.phase", assignment, summary, engagement_id=item.engagement_id)
    return True
