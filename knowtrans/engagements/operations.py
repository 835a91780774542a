"""Writes on engagements. Each function enforces its rules (raising ``Refused``) and
flushes; the request pipeline commits."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from knowtrans.audit.operations import record_event
from knowtrans.core.concurrency import check_version
from knowtrans.core.errors import Refused
from knowtrans.core.formatting import format_date
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db
from knowtrans.plans.models import Assignment, PlanItem
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role, User

#: the fields an edit may change, with the words the history and the messages use for them
#: (in the language of the request, ``field_names``)
EDITABLE_FIELDS = {
    "title": _l("title"),
    "expert_id": _l("expert"),
    "client": _l("client"),
    "project": _l("project"),
    "start_date": _l("start date"),
    "planned_end_date": _l("planned end date"),
    "objectives": _l("objectives"),
}

__all__ = ["Refused"]


def check_expert(engagement: Engagement | None, expert: User) -> None:
    """Refuse ``expert`` as the expert of ``engagement`` (None for a new one) unless they are
    an active user with the expert role who is not a learner on its plan: the expert never
    learns from themself (plans.operations.check_learner guards the other side).

    The engagement's current expert stays allowed, also after leaving or losing the role, so
    that its other fields can still be edited."""
    if engagement is not None and expert.id == engagement.expert_id:
        return
    if not expert.active or not expert.has_role(Role.EXPERT):
        raise Refused(_("Choose an active user with the expert role."), field="expert_id")
    if engagement is None:
        return
    skills = db.session.scalars(
        sa.select(Skill.name)
        .join(PlanItem, PlanItem.skill_id == Skill.id)
        .join(Assignment, Assignment.plan_item_id == PlanItem.id)
        .where(PlanItem.engagement_id == engagement.id, Assignment.learner_id == expert.id)
        .order_by(Skill.name)
    ).all()
    if skills:
        raise Refused(
            _(
                "%(name)s is a learner on this engagement (%(skills)s) and cannot also be its "
                "expert. Choose another expert, or unassign them first.",
                name=expert.name,
                skills=", ".join(skills),
            ),
            field="expert_id",
        )


def date_refusals(
    engagement: Engagement | None, *, start_date: date | None, planned_end_date: date | None
) -> list[Refused]:
    """What the dates break, each refusal at its field, in the order a form shows them: the
    planned end on or after the start, and every plan item's due date within the two (a new
    engagement, None, has no plan yet). A date that is None is not compared."""
    earliest, latest = plan_due_dates(engagement) if engagement is not None else (None, None)
    refusals = []
    if start_date and earliest and start_date > earliest:
        refusals.append(
            Refused(
                _(
                    "A plan item is due on %(date)s; the start cannot be later.",
                    date=format_date(earliest),
                ),
                field="start_date",
            )
        )
    if start_date and planned_end_date and planned_end_date < start_date:
        refusals.append(
            Refused(
                _("The planned end must be on or after the start date."), field="planned_end_date"
            )
        )
    if planned_end_date and latest and planned_end_date < latest:
        refusals.append(
            Refused(
                _(
                    "A plan item is due on %(date)s; the planned end cannot be earlier. Move "
                    "that due date first.",
                    date=format_date(latest),
                ),
                field="planned_end_date",
            )
        )
    return refusals


def check_dates(engagement: Engagement | None, *, start_date: date, planned_end_date: date) -> None:
    """Refuse dates that ``date_refusals`` finds fault with (the first of them)."""
    if refusals := date_refusals(
        engagement, start_date=start_date, planned_end_date=planned_end_date
    ):
        raise refusals[0]


def plan_due_dates(engagement: Engagement) -> tuple[date | None, date | None]:
    """The earliest and latest due date on the engagement's plan."""
    query = sa.select(sa.func.min(PlanItem.due_date), sa.func.max(PlanItem.due_date)).where(
        PlanItem.engagement_id == engagement.id
    )
    earliest, latest = db.session.execute(query).one()
    return earliest, latest


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
    """Raises Refused for an expert or dates the rules do not allow."""
    check_expert(None, expert)
    check_dates(None, start_date=start_date, planned_end_date=planned_end_date)
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
        _(
            "Created engagement %(title)s with %(expert)s for %(client)s",
            title=title,
            expert=expert.name,
            client=client,
        ),
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
    """Apply the edit made on ``version``; returns the names of the fields that changed, in
    the language of the request (nothing recorded if none). Raises EditConflict when someone
    else saved in between, and Refused for an expert or dates the rules do not allow
    (``check_expert``, ``date_refusals``)."""
    check_version(engagement, version)
    check_expert(engagement, expert)
    check_dates(engagement, start_date=start_date, planned_end_date=planned_end_date)
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
        str(EDITABLE_FIELDS[name])
        for name, value in wanted.items()
        if getattr(engagement, name) != value
    ]
    if not changed:
        return []
    previous_expert = engagement.expert
    for name, value in wanted.items():
        setattr(engagement, name, value)
    engagement.expert = expert
    if previous_expert.id != expert.id:
        summary = _(
            "Updated %(fields)s of %(title)s; expert %(previous)s → %(expert)s",
            fields=", ".join(changed),
            title=engagement.title,
            previous=previous_expert.name,
            expert=expert.name,
        )
    else:
        summary = _(
            "Updated %(fields)s of %(title)s", fields=", ".join(changed), title=engagement.title
        )
    record_event(actor, "engagement.update", engagement, summary, engagement_id=engagement.id)
    return changed


def advance_status(engagement: Engagement, *, actor: User) -> EngagementStatus:
    """planned → active → handover; closing has its own flow."""
    following = engagement.status.next_status
    if following is None:
        raise Refused(
            _(
                "“%(title)s” is in %(status)s; nothing changed.",
                title=engagement.title,
                status=engagement.status.label,
            )
        )
    previous = engagement.status
    engagement.status = following
    record_event(
        actor,
        "engagement.status",
        engagement,
        _(
            "Status of %(title)s: %(previous)s → %(following)s",
            title=engagement.title,
            previous=previous.label,
            following=following.label,
        ),
        engagement_id=engagement.id,
    )
    return following
