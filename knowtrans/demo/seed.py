"""Build the demo company of ``data.py`` in the database (the caller commits).

Every record is written by the operations the web pages call (``create_user``,
``create_skill``, ``create_engagement``, ``create_plan_item``, ``assign_learner``,
``set_phase``, ``create_entry``, ``confirm_level``, ``close_engagement``, …), so the demo
keeps every rule they enforce and its audit trail reads as the app writes it. What no
operation does is dating: they record the moment they run, while the demo's history
spreads over months. ``_events_at`` dates the audit events an operation recorded, and
``_backdate`` its rows' timestamps, right after it ran.
"""

import random
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from knowtrans.audit.models import AuditEvent
from knowtrans.closing.operations import close_engagement
from knowtrans.confirmations.operations import confirm_level
from knowtrans.core.clock import today as current_day
from knowtrans.core.clock import utcnow
from knowtrans.demo.data import (
    ENGAGEMENTS,
    KNOWLEDGE,
    LOGIN_PEOPLE,
    PEOPLE,
    SKILLS,
    AssignmentSpec,
    EngagementSpec,
    Knowledge,
    Person,
    PlanItemSpec,
)
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.engagements.operations import advance_status, create_engagement
from knowtrans.extensions import db
from knowtrans.learning.models import Activity
from knowtrans.learning.operations import EntryDetails, create_entry, resolve_question
from knowtrans.plans.models import Assignment, LearnerRole, Phase, PlanItem
from knowtrans.plans.operations import (
    assign_learner,
    create_plan_item,
    set_handover_notes,
    set_phase,
)
from knowtrans.skills.models import Skill
from knowtrans.skills.operations import create_skill
from knowtrans.users.models import Role, User
from knowtrans.users.operations import create_user

#: the demo is the same on every run
RANDOM_SEED = 20240917

#: learning entries a primary learner has written by the time they reach a phase
ENTRIES_BY_PHASE = {
    Phase.PLANNED: 0,
    Phase.SHADOWING: 2,
    Phase.REVERSE_SHADOWING: 3,
    Phase.INDEPENDENT: 3,
    Phase.SIGNED_OFF: 3,
}

#: what learning looks like in each phase, entry by entry
ACTIVITIES_BY_PHASE = {
    Phase.SHADOWING: (Activity.WALKTHROUGH, Activity.SHADOWING),
    Phase.REVERSE_SHADOWING: (Activity.SHADOWING, Activity.PAIRING, Activity.REVERSE_SHADOWING),
    Phase.INDEPENDENT: (Activity.WORKSHOP, Activity.PAIRING, Activity.REVERSE_SHADOWING),
    Phase.SIGNED_OFF: (Activity.SELF_STUDY, Activity.REVERSE_SHADOWING, Activity.DOCUMENTATION),
}

MINUTES_BY_ACTIVITY = {
    Activity.SHADOWING: (90, 120, 180, 240),
    Activity.PAIRING: (90, 120, 150, 180),
    Activity.REVERSE_SHADOWING: (60, 90, 120, 180),
    Activity.WALKTHROUGH: (45, 60, 90),
    Activity.DOCUMENTATION: (30, 45, 60, 90),
    Activity.SELF_STUDY: (45, 60, 90, 120),
    Activity.WORKSHOP: (120, 180, 240),
}


@dataclass
class DemoCompany:
    """What the seed created, for the command's summary."""

    users: dict[str, User]
    skills: dict[str, Skill]
    engagements: list[Engagement]

    def login(self, role: Role) -> User:
        return self.users[LOGIN_PEOPLE[role]]


def database_has_data() -> bool:
    return db.session.execute(sa.select(User.id).limit(1)).first() is not None


def clear_database() -> None:
    """Delete every row of every table (``seed-demo --force``)."""
    db.session.flush()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.expire_all()


def email_for(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join(ascii_name.lower().split()) + "@example.com"


def login_emails() -> dict[Role, str]:
    """The demo login of each role, as the seed creates it."""
    names = {person.key: person.name for person in PEOPLE}
    return {role: email_for(names[key]) for role, key in LOGIN_PEOPLE.items()}


def seed_demo(password_hash: str) -> DemoCompany:
    """Create the demo company; every user gets ``password_hash`` (hashed once by the caller)."""
    today = current_day()
    rng = random.Random(RANDOM_SEED)
    users = _create_people(password_hash)
    skills = _create_skills(users[LOGIN_PEOPLE[Role.CTO]], today)
    builder = _EngagementBuilder(users, skills, today, rng)
    engagements = [builder.build(spec) for spec in ENGAGEMENTS]
    return DemoCompany(users=users, skills=skills, engagements=engagements)


@contextmanager
def _events_at(when: datetime) -> Iterator[None]:
    """Date the audit events the operations in the block record at ``when``, not now."""
    last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    yield
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id > last).values(created_at=when))


def _backdate(row: Any, **moments: datetime) -> None:
    """Set timestamps an operation stored as now (``created_at``, ``resolved_at``, …) to the
    demo's moments. One UPDATE statement rather than changed attributes: the row's version
    stays where the operation left it, as if written then and not edited since."""
    model = type(row)
    db.session.execute(sa.update(model).where(model.id == row.id).values(**moments))


def _create_people(password_hash: str) -> dict[str, User]:
    users: dict[str, User] = {}
    admin: User | None = None
    for person in PEOPLE:
        users[person.key] = _create_person(person, password_hash, actor=admin)
        if admin is None and Role.ADMIN in person.roles:
            admin = users[person.key]
    return users


def _create_person(person: Person, password_hash: str, actor: User | None) -> User:
    return create_user(
        email=email_for(person.name),
        name=person.name,
        password="",
        password_hash=password_hash,
        roles=person.roles,
        kind=person.kind,
        actor=actor,
    )


def _create_skills(actor: User, today: date) -> dict[str, Skill]:
    skills: dict[str, Skill] = {}
    created = _at(today - timedelta(days=260), 10)
    for spec in SKILLS:
        with _events_at(created):
            skill = create_skill(
                name=spec.name, category=spec.category, description=spec.description, actor=actor
            )
        _backdate(skill, created_at=created)
        skills[spec.name] = skill
    return skills


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment on ``day``, never later than now."""
    return min(datetime.combine(day, time(hour, minute), tzinfo=UTC), utcnow())


class _EngagementBuilder:
    def __init__(
        self, users: dict[str, User], skills: dict[str, Skill], today: date, rng: random.Random
    ):
        self.users = users
        self.skills = skills
        self.today = today
        self.rng = rng
        self.cto = users[LOGIN_PEOPLE[Role.CTO]]
        self.it_lead = users[LOGIN_PEOPLE[Role.IT_LEAD]]

    def build(self, spec: EngagementSpec) -> Engagement:
        start = self.today + timedelta(days=spec.start)
        end = self.today + timedelta(days=spec.end)
        planning_day = min(start - timedelta(days=14), self.today)
        planned = _at(planning_day, 9)
        with _events_at(planned):
            engagement = create_engagement(
                title=spec.title,
                expert=self.users[spec.expert],
                client=spec.client,
                project=spec.project,
                start_date=start,
                planned_end_date=end,
                objectives=spec.objectives,
                actor=self.cto,
            )
        _backdate(engagement, created_at=planned)
        #: learning happens between the start and today (or the end, when that is past)
        period = (start, min(end, self.today))
        for item_spec in spec.items:
            self._plan_item(engagement, item_spec, planning_day, period)
        self._advance(engagement, spec, start, end)
        return engagement

    def _advance(
        self, engagement: Engagement, spec: EngagementSpec, start: date, end: date
    ) -> None:
        """Move the engagement on to the status of ``spec``, one step at a time."""
        if spec.status is EngagementStatus.PLANNED:
            return
        with _events_at(_at(start, 8, 30)):
            advance_status(engagement, actor=self.cto)
        if spec.status is EngagementStatus.ACTIVE:
            return
        day = max(start, min(end - timedelta(days=21), self.today))
        with _events_at(_at(day, 8, 30)):
            advance_status(engagement, actor=self.cto)
        if spec.status is EngagementStatus.HANDOVER:
            return
        closed_at = _at(min(end + timedelta(days=spec.closed_after or 0), self.today), 16)
        with _events_at(closed_at):
            # closing archives the final report, generated at the moment of closing
            close_engagement(
                engagement,
                justification=spec.close_justification,
                actor=self.it_lead,
                closed_at=closed_at,
            )

    def _plan_item(
        self,
        engagement: Engagement,
        spec: PlanItemSpec,
        planning_day: date,
        period: tuple[date, date],
    ) -> None:
        knowledge = KNOWLEDGE.get(spec.skill)
        planned = _at(planning_day, 10)
        with _events_at(planned):
            item = create_plan_item(
                engagement,
                skill=self.skills[spec.skill],
                target_level=spec.target_level,
                criticality=spec.criticality,
                due_date=self.today + timedelta(days=spec.due) if spec.due is not None else None,
                actor=self.cto,
            )
        _backdate(item, created_at=planned)
        started = period[0] <= period[1]
        if knowledge and started:
            written = period[0] + (period[1] - period[0]) * 2 // 5
            with _events_at(_at(written, 15)):
                set_handover_notes(
                    item, knowledge.handover_notes, version=item.version, actor=engagement.expert
                )
        for index, assignment_spec in enumerate(spec.assignments):
            assignment = self._assignment(item, assignment_spec, planning_day)
            if knowledge and started:
                self._learning(assignment, assignment_spec, knowledge, index, period)

    def _assignment(self, item: PlanItem, spec: AssignmentSpec, planning_day: date) -> Assignment:
        assigned = _at(planning_day, 11)
        with _events_at(assigned):
            assignment = assign_learner(
                item, learner=self.users[spec.learner], learner_role=spec.role, actor=self.cto
            )
        _backdate(assignment, created_at=assigned)
        return assignment

    def _learning(
        self,
        assignment: Assignment,
        spec: AssignmentSpec,
        knowledge: Knowledge,
        index: int,
        period: tuple[date, date],
    ) -> None:
        """Entries, phase changes and confirmations, spread over the engagement so far."""
        if spec.phase is Phase.PLANNED:
            return
        engagement = assignment.plan_item.engagement
        first, last = period
        span = (last - first).days

        def day_at(fraction: float) -> date:
            return first + timedelta(days=round(span * fraction))

        # phase changes, evenly through the period; signing off comes with the confirmation
        # that reaches the target (below)
        phases = list(Phase)[1 : spec.phase.step]
        for step, phase in enumerate(phases, start=1):
            if phase is Phase.SIGNED_OFF:
                break
            with _events_at(_at(day_at(step / (len(phases) + 1)), 12)):
                set_phase(assignment, phase, actor=self.cto)

        count = ENTRIES_BY_PHASE[spec.phase]
        if spec.role is LearnerRole.BACKUP:
            count = max(1, count - 1)
        activities = ACTIVITIES_BY_PHASE[spec.phase]
        goal = self._self_assessment_goal(assignment, spec)
        offset = index * 3
        for j in range(count):
            jitter = self.rng.randint(-2, 2)
            day = min(max(day_at((j + 1) / (count + 1)) + timedelta(days=jitter), first), last)
            activity = activities[(j + index) % len(activities)]
            self._entry(
                assignment,
                spec,
                day=day,
                activity=activity,
                text=knowledge.notes[(offset + j) % len(knowledge.notes)],
                # the last entry says where the learner stands; notes-only entries may not
                self_level=None
                if activity is Activity.DOCUMENTATION and j < count - 1
                else max(1, round(goal * (j + 1) / count)),
                knowledge=knowledge,
                question_index=index + j if j == 1 else None,
            )

        for k, confirmation_spec in enumerate(spec.confirmations, start=1):
            by = (
                engagement.expert
                if confirmation_spec.by == "expert"
                else self.users[confirmation_spec.by]
            )
            when = _at(day_at(0.55 + 0.4 * k / len(spec.confirmations)), 16, 30)
            with _events_at(when):
                confirmation = confirm_level(
                    assignment,
                    level=confirmation_spec.level,
                    comment=confirmation_spec.comment,
                    actor=by,
                    sign_off=spec.phase is Phase.SIGNED_OFF and k == len(spec.confirmations),
                )
            _backdate(confirmation, created_at=when)

    @staticmethod
    def _self_assessment_goal(assignment: Assignment, spec: AssignmentSpec) -> int:
        target = assignment.plan_item.target_level
        if spec.phase in (Phase.INDEPENDENT, Phase.SIGNED_OFF):
            return target
        if spec.phase is Phase.REVERSE_SHADOWING:
            return max(2, target - 1)
        return min(2, target)

    def _entry(
        self,
        assignment: Assignment,
        spec: AssignmentSpec,
        *,
        day: date,
        activity: Activity,
        text: str,
        self_level: int | None,
        knowledge: Knowledge,
        question_index: int | None,
    ) -> None:
        minutes = self.rng.choice(MINUTES_BY_ACTIVITY[activity])
        written = _at(day, 17, self.rng.randint(0, 59))
        links: list[str] = []
        if knowledge.links and self.rng.random() < 0.75:
            links = self.rng.sample(knowledge.links, k=min(len(knowledge.links), 2))
        questions: list[str] = []
        resolved = False
        if question_index is not None and knowledge.questions:
            questions = [knowledge.questions[question_index % len(knowledge.questions)]]
            # a signed-off learner's questions were all answered
            resolved = spec.phase is Phase.SIGNED_OFF or self.rng.random() < 0.5
        details = EntryDetails(
            date=day,
            activity=activity,
            minutes=minutes,
            learned=text,
            evidence_urls=links,
            self_level=self_level,
            questions=questions,
        )
        with _events_at(written):
            entry = create_entry(assignment, details, actor=assignment.learner)
        _backdate(entry, created_at=written, updated_at=written)
        if resolved:
            expert = assignment.plan_item.engagement.expert
            answered = _at(min(day + timedelta(days=3), self.today), 11)
            (question,) = entry.questions
            with _events_at(answered):
                resolve_question(question, actor=expert)
            _backdate(question, resolved_at=answered)
