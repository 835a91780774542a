"""The product's journey across roles, through real forms: plan → learn → confirm → readiness."""

import re
from datetime import timedelta

import sqlalchemy as sa

from knowtrans.audit.models import AuditEvent
from knowtrans.core.clock import today
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.engagements.readiness_queries import engagement_readiness
from knowtrans.learning.models import LearningEntry
from knowtrans.plans.models import Assignment, Phase, PlanItem
from knowtrans.users.models import Role


def readiness_text(html: str) -> str:
    match = re.search(r"(\d+)\s*%", html)
    assert match, "no readiness on the page"
    return match.group(1)


def test_cto_plans_staff_learns_expert_confirms_readiness_follows(
    db, login_as, make_user, make_skill
):
    cto = make_user(Role.CTO, name="Helena Brandt")
    expert = make_user(Role.EXPERT, name="Jonas Weber")
    maria = make_user(Role.STAFF, name="Maria Lopez")
    tom = make_user(Role.STAFF, name="Tom Becker")
    it_lead = make_user(Role.IT_LEAD, name="Markus Klein")
    kubernetes = make_skill("Kubernetes operations", "Container platform")
    terraform = make_skill("Terraform modules", "Infrastructure as code")
    postgres = make_skill("PostgreSQL tuning", "Databases")

    # the CTO creates the engagement and its plan
    as_cto = login_as(cto)
    start = today()
    response = as_cto.post(
        "/engagements/new",
        {
            "title": "Platform handover",
            "expert_id": str(expert.id),
            "client": "Platform Engineering",
            "project": "Container platform 2.0",
            "start_date": start.isoformat(),
            "planned_end_date": (start + timedelta(days=90)).isoformat(),
            "objectives": "The platform team runs the clusters **alone**.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    engagement = db.session.scalar(sa.select(Engagement))
    assert engagement.status is EngagementStatus.PLANNED

    # the three skills in one submit, each with its target and criticality
    plan = ((kubernetes, "critical"), (terraform, "high"), (postgres, "low"))
    rows = {}
    for row, (skill, criticality) in enumerate(plan):
        rows |= {
            f"rows-{row}-skill_id": str(skill.id),
            f"rows-{row}-chosen": "y",
            f"rows-{row}-target_level": "3",
            f"rows-{row}-criticality": criticality,
        }
    response = as_cto.post(f"/engagements/{engagement.id}/plan/new", rows)
    assert response.status_code == 302, response.get_data(as_text=True)
    items = {item.skill.name: item for item in db.session.scalars(sa.select(PlanItem))}
    assert len(items) == 3

    # both learners in one submit
    k8s = items["Kubernetes operations"]
    rows = {}
    for row, (learner, role) in enumerate(((maria, "primary"), (tom, "backup"))):
        rows |= {
            f"rows-{row}-learner_id": str(learner.id),
            f"rows-{row}-chosen": "y",
            f"rows-{row}-learner_role": role,
        }
    response = as_cto.post(f"/plan-items/{k8s.id}/assign", rows)
    assert response.status_code == 302, response.get_data(as_text=True)
    response = as_cto.post(
        f"/engagements/{engagement.id}/advance",
        {"current": "planned"},
        form_url=f"/engagements/{engagement.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert engagement.status is EngagementStatus.ACTIVE
    page = as_cto.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert readiness_text(page) == "0"

    maria_assignment = db.session.scalar(
        sa.select(Assignment).where(Assignment.learner_id == maria.id)
    )
    response = as_cto.post(
        f"/assignments/{maria_assignment.id}/phase",
        {"phase": "shadowing"},
        form_url=f"/engagements/{engagement.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert maria_assignment.phase is Phase.SHADOWING

    # the staff member records what she learned
    as_maria = login_as(maria)
    assert "Kubernetes operations" in as_maria.get("/my/assignments").get_data(as_text=True)
    response = as_maria.post(
        f"/assignments/{maria_assignment.id}/entries/new",
        {
            "date": today().isoformat(),
            "activity": "shadowing",
            "minutes": "90",
            "learned": "Drained `prod-fra-1` nodes; the payments PDB blocks drains.",
            "evidence": "https://wiki.example.internal/runbooks/node-drain",
            "self_level": "3",
            "questions": "Who approves PDB changes?",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.scalar(sa.select(LearningEntry))
    assert entry.minutes == 90
    assert [link.url for link in entry.evidence_links] == [
        "https://wiki.example.internal/runbooks/node-drain"
    ]
    page = as_maria.get(f"/assignments/{maria_assignment.id}").get_data(as_text=True)
    assert "<code>prod-fra-1</code>" in page

    # a self-assessment is evidence, never coverage
    db.session.expire_all()
    assert engagement_readiness(engagement).covered == 0

    # the expert confirms the level; readiness follows
    as_expert = login_as(expert)
    response = as_expert.post(
        f"/assignments/{maria_assignment.id}/confirm",
        {"level": "3", "comment": "Drained and upgraded staging alone."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    readiness = engagement_readiness(engagement)
    assert (readiness.covered, readiness.percent) == (1, round(5 / 9 * 100))
    page = as_cto.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert readiness_text(page) == str(round(5 / 9 * 100))

    # an IT lead confirms lower later: the latest confirmation counts
    as_it_lead = login_as(it_lead)
    response = as_it_lead.post(
        f"/assignments/{maria_assignment.id}/confirm",
        {"level": "2", "comment": "Upgrades still need help."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert engagement_readiness(engagement).covered == 0
    assert [c.level for c in maria_assignment.confirmations] == [2, 3]

    # every write left an audit event on the engagement's history
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.engagement_id == engagement.id)
    ).all()
    for action in (
        "engagement.create",
        "plan_item.create",
        "assignment.create",
        "engagement.status",
        "assignment.phase",
        "learning_entry.create",
        "assignment.confirm",
    ):
        assert action in actions, action
    assert actions.count("plan_item.create") == 3
    assert actions.count("assignment.confirm") == 2
    history = as_cto.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert "Confirmed Maria Lopez at 3 (Competent) for Kubernetes operations" in history
