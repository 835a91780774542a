"""The rules the operations keep, checked over every row in the database.

For the write paths that do not go through the operations row by row (the large demo seed,
import) and for the demo seeder: whatever path wrote the data, it must look as if the
operations had. Some rules hold at the moment of a change only (a learner eligible when
assigned may be deactivated later); the data checked here has no such later changes.
"""

import ast
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from knowtrans.audit.models import AuditEvent
from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.core.clock import utcnow
from knowtrans.core.errors import Refused
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.learning.models import LearningEntry
from knowtrans.learning.operations import EARLY_DAYS
from knowtrans.plans.models import Assignment, Phase, PlanItem
from knowtrans.plans.operations import check_learner
from knowtrans.reports.models import HandoverReport
from knowtrans.users.models import Role, User
from knowtrans.users.operations import role_conflict


def breaches() -> list[str]:
    """Every row that breaks a rule of the operations, one line each; empty when none."""
    now = utcnow()
    today = now.date()
    found: list[str] = []

    for user in db.session.scalars(sa.select(User)):
        if problem := role_conflict(user.kind, user.roles):
            found.append(f"user {user.email}: {problem}")

    reports = {
        report.engagement_id: report for report in db.session.scalars(sa.select(HandoverReport))
    }
    for engagement in db.session.scalars(sa.select(Engagement)):
        where = f"engagement {engagement.id}"
        if engagement.planned_end_date < engagement.start_date:
            found.append(f"{where}: planned end before the start")
        if not engagement.expert.has_role(Role.EXPERT):
            found.append(f"{where}: the expert {engagement.expert.name} has no expert role")
        report = reports.get(engagement.id)
        if engagement.is_closed and (report is None or report.generated_at != engagement.closed_at):
            found.append(f"{where}: closed without its final report, generated on closing")
        if not engagement.is_closed and report is not None:
            found.append(f"{where}: a final report, but not closed")

    for item in db.session.scalars(sa.select(PlanItem)):
        engagement = item.engagement
        if (
            item.due_date
            and not engagement.start_date <= item.due_date <= engagement.planned_end_date
        ):
            found.append(f"plan item {item.id}: due {item.due_date} outside the engagement's dates")

    assignments = sa.select(Assignment).options(
        selectinload(Assignment.confirmations), selectinload(Assignment.learner)
    )
    for assignment in db.session.scalars(assignments):
        where = f"assignment {assignment.id}"
        item = assignment.plan_item
        try:
            check_learner(item.engagement, assignment.learner)
        except Refused as refused:
            found.append(f"{where}: {refused}")
        if assignment.phase is Phase.SIGNED_OFF and (
            (assignment.confirmed_level or 0) < item.target_level
        ):
            found.append(f"{where}: signed off below the target level")

    for confirmation in db.session.scalars(sa.select(LevelConfirmation)):
        if confirmation.confirmed_by_id == confirmation.assignment.learner_id:
            found.append(f"confirmation {confirmation.id}: the learner confirmed themself")
        if confirmation.created_at > now:
            found.append(f"confirmation {confirmation.id}: recorded in the future")

    entries = (
        sa.select(
            LearningEntry.id, LearningEntry.date, LearningEntry.created_at, Engagement.start_date
        )
        .join(LearningEntry.assignment)
        .join(Assignment.plan_item)
        .join(PlanItem.engagement)
    )
    for entry_id, day, created_at, start in db.session.execute(entries):
        if not start - timedelta(days=EARLY_DAYS) <= day <= today:
            found.append(f"learning entry {entry_id}: dated {day}, outside what may be recorded")
        if created_at > now:
            found.append(f"learning entry {entry_id}: recorded in the future")

    future = sa.select(AuditEvent.id).where(AuditEvent.created_at > now)
    found += [f"audit event {event_id}: in the future" for event_id in db.session.scalars(future)]
    return found


OPERATIONS = sorted((Path(__file__).resolve().parents[1] / "knowtrans").glob("*/operations.py"))


@dataclass(frozen=True)
class EventWording:
    """How an operation words its audit event: patterns for the action and the summary
    (None: the summary is computed in a way the source does not show)."""

    where: str
    action: re.Pattern[str]
    summary: re.Pattern[str] | None

    def matches(self, event: AuditEvent) -> bool:
        return bool(
            self.action.fullmatch(event.action)
            and (self.summary is None or self.summary.fullmatch(event.summary))
        )


def operation_events() -> list[EventWording]:
    """Every ``record_event`` call in the operations modules, read from their source."""
    wordings = []
    for path in OPERATIONS:
        module = ast.parse(path.read_text(encoding="utf-8"))
        functions = {node.name: node for node in module.body if isinstance(node, ast.FunctionDef)}
        for function in functions.values():
            for call in ast.walk(function):
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id == "record_event"
                ):
                    continue
                action = _pattern(call.args[1], function, functions)
                assert action is not None, f"{path.name}: {function.name} records a computed action"
                summary = _pattern(call.args[3], function, functions) if len(call.args) > 3 else ""
                wordings.append(
                    EventWording(
                        where=f"{path.parent.name}.{function.name}",
                        action=re.compile(action),
                        summary=None if summary is None else re.compile(summary, re.S),
                    )
                )
    return wordings


def _pattern(
    node: ast.expr, function: ast.FunctionDef, functions: dict[str, ast.FunctionDef]
) -> str | None:
    """A regular expression for the strings ``node`` makes; None when it cannot tell."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.escape(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            re.escape(part.value) if isinstance(part, ast.Constant) else ".+?"
            for part in node.values
        )
    if isinstance(node, ast.Name):  # summary = f"…", maybe extended by summary += …
        assigned = [
            statement.value
            for statement in ast.walk(function)
            if isinstance(statement, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == node.id for t in statement.targets)
        ]
        extended = any(
            isinstance(statement, ast.AugAssign)
            and isinstance(statement.target, ast.Name)
            and statement.target.id == node.id
            for statement in ast.walk(function)
        )
        if len(assigned) == 1 and (base := _pattern(assigned[0], function, functions)):
            return base + (".*" if extended else "")
    if (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions
    ):  # a helper of the module that returns the wording
        helper = functions[node.func.id]
        returned = [
            statement.value for statement in ast.walk(helper) if isinstance(statement, ast.Return)
        ]
        if len(returned) == 1 and returned[0] is not None:
            return _pattern(returned[0], helper, functions)
    return None


def unworded_events(events: list[AuditEvent]) -> list[str]:
    """The events no operation would have recorded in these words, one line each."""
    wordings = operation_events()
    return [
        f"{event.action}: {event.summary}"
        for event in events
        if not any(wording.matches(event) for wording in wordings)
    ]
