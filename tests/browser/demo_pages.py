"""The demo rows the page checks visit, and the main pages each role reaches."""

from dataclasses import dataclass

import sqlalchemy as sa

from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db
from knowtrans.learning.models import LearningEntry
from knowtrans.plans.models import Assignment, Phase, PlanItem
from knowtrans.skills.models import Skill
from knowtrans.users.models import User
from tests.browser.harness import ADMIN, CTO, EXPERT, IT_LEAD, STAFF

ANONYMOUS = "anonymous"
ROLES = {
    ANONYMOUS: None,
    "admin": ADMIN,
    "cto": CTO,
    "it_lead": IT_LEAD,
    "staff": STAFF,
    "expert": EXPERT,
}


@dataclass(frozen=True)
class DemoIds:
    engagement: int
    closed_engagement: int
    plan_item: int
    assignment: int
    skill_name: str
    entry: int
    skill: int
    user: int


def find_demo_ids(live_server) -> DemoIds:
    """Rows of the demo company to visit: the staff login's assignment on an open engagement
    of the expert login."""
    with live_server.app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.email == STAFF))
        expert = db.session.scalar(sa.select(User).where(User.email == EXPERT))
        assignment = db.session.scalars(
            sa.select(Assignment)
            .join(PlanItem)
            .join(Engagement)
            .join(LearningEntry)
            .where(
                Assignment.learner_id == staff.id,
                Assignment.phase != Phase.SIGNED_OFF,
                Engagement.expert_id == expert.id,
                Engagement.status.in_([EngagementStatus.ACTIVE, EngagementStatus.HANDOVER]),
            )
            .order_by(Assignment.id)
        ).first()
        assert assignment is not None, "the demo data has no open assignment to visit"
        closed = db.session.scalar(
            sa.select(Engagement.id).where(Engagement.status == EngagementStatus.CLOSED)
        )
        return DemoIds(
            engagement=assignment.plan_item.engagement_id,
            closed_engagement=closed or assignment.plan_item.engagement_id,
            plan_item=assignment.plan_item_id,
            assignment=assignment.id,
            skill_name=assignment.plan_item.skill.name,
            entry=assignment.learning_entries[0].id,
            skill=db.session.scalar(sa.select(Skill.id).order_by(Skill.id)),
            user=staff.id,
        )


def pages_for(role: str, ids: DemoIds) -> list[str]:
    """The main pages each role reaches from its navigation."""
    engagement = f"/engagements/{ids.engagement}"
    common = [
        "/",
        "/engagements",
        engagement,
        f"{engagement}/history",
        f"{engagement}/history?page=2",
        "/reports",
        "/account/password",
        "/account/profile",
        "/no-such-page",
    ]
    return {
        ANONYMOUS: ["/login"],
        "admin": [
            *common,
            "/admin/users",
            "/admin/users/new",
            f"/admin/users/{ids.user}/edit",
            f"/admin/users/{ids.user}/password",
            "/skills",
            "/skills/new",
        ],
        "cto": [
            *common,
            "/engagements/new",
            f"{engagement}/edit",
            f"{engagement}/plan/new",
            f"{engagement}/plan/new?q=a",  # with the search and its count
            f"/plan-items/{ids.plan_item}/edit",
            f"/plan-items/{ids.plan_item}/assign",
            f"/plan-items/{ids.plan_item}/assign?q=a",
            f"/assignments/{ids.assignment}",
            f"/engagements/{ids.closed_engagement}",
            f"{engagement}/close",
            "/skills",
            f"/skills/{ids.skill}/edit",
        ],
        "it_lead": [
            *common,
            f"/assignments/{ids.assignment}",
            f"/assignments/{ids.assignment}/confirm",
            f"/plan-items/{ids.plan_item}/notes",
            f"{engagement}/close",
            "/skills",
        ],
        "staff": [
            *common,
            "/my/assignments",
            f"/assignments/{ids.assignment}",
            f"/assignments/{ids.assignment}/entries/new",
            f"/entries/{ids.entry}/edit",
        ],
        "expert": [
            *common,
            f"/assignments/{ids.assignment}",
            f"/assignments/{ids.assignment}/confirm",
            f"/plan-items/{ids.plan_item}/notes",
        ],
    }[role]
