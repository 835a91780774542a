"""Writes on engagements. Each function flushes; the caller commits."""

from datetime import date

import sqlalchemy as sa

from knowtrans.audit.operations import record_event
from knowtrans.auth.models import User
from knowtrans.core.concurrency import check_version
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db
from knowtrans.plans.models import Assignment, PlanItem
from knowtrans.skills.models import Skill

#: the fields an edit may change, with the words the history uses for them
EDITABLE_FIELDS = {
    "title": "title",
    "expert_id": "expert",
    "client": "client",
    "project": "project",
    "start_date": "start date",
    "planned_end_date": "planned end date",
    "objectives": "objectives",
}


class Refused(Exception):
    """A change the engagement's rules do not allow; the message says why, for the user."""


def check_expert(engagement: Engagement, expert: User) -> None:
    """Refuse as the expert someone assigned as a learner on the engagement's plan: the expert
    never learns from themself (plans.operations.check_learner guards the other side)."""
    skills = db.session.scalars(
        sa.select(Skill.name)
        .join(PlanItem, PlanItem.skill_id == Skill.id)
        .join(Assignment, Assignment.plan_item_id == PlanItem.id)
        .where(PlanItem.engagement_id == engagement.id, Assignment.learner_id == expert.id)
        .order_by(Skill.name)
    ).all()
    if skills:
        raise Refused(
            f"{expert.name} is a learner on this engagement ({', '.join(skills)}) and cannot "
            "also be its expert. Choose another expert, or unassign them first."
        )


def create_engagement(
    *,
    title: str,
    expert: User,
    client: str,
    project: str,
    start_date: date,
    planned_end_date: date,
    objectives: str,
    actor: User,
) -> Engagement:
    engagement = Engagement(
        title=title,
        expert=expert,
        client=client,
        project=project or "",
        start_date=start_date,
        planned_end_date=planned_end_date,
        objectives=objectives or "",
        status=EngagementStatus.PLANNED,
    )
    db.session.add(engagement)
    db.session.flush()
    record_event(
        actor,
        "engagement.create",
        engagement,
        f"Created engagement {title} with {expert.name} for {client}",
        engagement_id=engagement.id,
    )
    return engagement


def update_engagement(
    engagement: Engagement,
    *,
    title: str,
    expert: User,
    client: str,
    project: str,
    start_date: date,
    planned_end_date: date,
    objectives: str,
    version: int | None,
    actor: User,
) -> list[str]:
    """Apply the edit made on ``version``; returns the names of the fields that changed
    (nothing recorded if none). Raises EditConflict when someone else saved in between, and
    Refused when the new expert is a learner on the engagement."""
    check_version(engagement, version)
    if expert.id != engagement.expert_id:
        check_expert(engagement, expert)
    wanted = {
        "title": title,
        "expert_id": expert.id,
        "client": client,
        "project": project or "",
        "start_date": start_date,
        "planned_end_date": planned_end_date,
        "objectives": objectives or "",
    }
    changed = [
        EDITABLE_FIELDS[name]
        for name, value in wanted.items()
        if getattr(engagement, name) != value
    ]
    if not changed:
        return []
    previous_expert = engagement.expert
    for name, value in wanted.items():
        setattr(engagement, name, value)
    engagement.expert = expert
    summary = f"Updated {', '.join(changed)} of {engagement.title}"
    if previous_expert.id != expert.id:
        summary += f"; expert {previous_expert.name} → {expert.name}"
    record_event(actor, "engagement.update", engagement, summary, engagement_id=engagement.id)
    return changed


def advance_status(engagement: Engagement, *, actor: User) -> EngagementStatus:
    """planned → active → handover; closing has its own flow."""
    following = engagement.status.next_status
    if following is None:
        raise ValueError(f"an engagement in status {engagement.status} does not advance")
    previous = engagement.status
    engagement.status = following
    record_event(
        actor,
        "engagement.status",
        engagement,
        f"Status of {engagement.title}: {previous.label} → {following.label}",
        engagement_id=engagement.id,
    )
    return following
