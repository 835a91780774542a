"""Every model, imported once so metadata (and Alembic) sees them all."""

from knowtrans.audit.models import AuditEvent
from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.core.changes import ChangeCounter
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.learning.models import Activity, EvidenceLink, LearningEntry, OpenQuestion
from knowtrans.plans.models import Assignment, Criticality, LearnerRole, Phase, PlanItem
from knowtrans.reports.models import BuildStatus, HandoverReport, ReportBuild
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role, User, UserKind, UserRole

__all__ = [
    "Activity",
    "Assignment",
    "AuditEvent",
    "BuildStatus",
    "ChangeCounter",
    "Criticality",
    "Engagement",
    "EngagementStatus",
    "EvidenceLink",
    "HandoverReport",
    "LearnerRole",
    "LearningEntry",
    "LevelConfirmation",
    "OpenQuestion",
    "Phase",
    "PlanItem",
    "ReportBuild",
    "Role",
    "Skill",
    "User",
    "UserKind",
    "UserRole",
]
