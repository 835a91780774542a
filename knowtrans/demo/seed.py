"""Build the demo company of ``data.py`` in the database (the caller commits)."""

import random
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from knowtrans.audit.operations import record_event
from knowtrans.auth.models import Role, User
from knowtrans.closing.operations import archive_final_report
from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.core.clock import today as current_day
from knowtrans.core.clock import utcnow
from knowtrans.core.formatting import format_minutes
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
)
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db
from knowtrans.learning.models import Activity, EvidenceLink, LearningEntry, OpenQuestion
from knowtrans.plans.models import LEVELS, Assignment, LearnerRole, Phase, PlanItem
from knowtrans.skills.models import Skill
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
    db.session.flush()
    for engagement in engagements:
        if engagement.is_closed:
            # as closing would have left it: the final report in the archive
            archive_final_report(
                engagement,
                actor=users[LOGIN_PEOPLE[Role.IT_LEAD]],
                generated_at=engagement.closed_at,
            )
            db.session.flush()
    return DemoCompany(users=users, skills=skills, engagements=engagements)


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
        skill = Skill(
            name=spec.name,
            category=spec.category,
            description=spec.description,
            created_at=created,
        )
        db.session.add(skill)
        event = record_event(actor, "skill.create", skill, f"Added skill {skill.name}")
        event.created_at = created
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

    def event(
        self, actor: User, action: str, obj, summary: str, engagement: Engagement, when: datetime
    ) -> None:
        event = record_event(actor, action, obj, summary, engagement_id=engagement.id)
        event.created_at = when

    def build(self, spec: EngagementSpec) -> Engagement:
        start = self.today + timedelta(days=spec.start)
        end = self.today + timedelta(days=spec.end)
        planning_day = min(start - timedelta(days=14), self.today)
        expert = self.users[spec.expert]
        engagement = Engagement(
            title=spec.title,
            expert=expert,
            client=spec.client,
            project=spec.project,
            start_date=start,
            planned_end_date=end,
            objectives=spec.objectives,
            status=EngagementStatus.PLANNED,
            created_at=_at(planning_day, 9),
        )
        db.session.add(engagement)
        self.event(
            self.cto,
            "engagement.create",
            engagement,
            f"Created engagement {spec.title} with {expert.name}",
            engagement,
            _at(planning_day, 9),
        )
        #: learning happens between the start and today (or the end, when that is past)
        period = (start, min(end, self.today))
        for item_spec in spec.items:
            self._plan_item(engagement, item_spec, planning_day, period)
        self._advance(engagement, spec, start, end)
        return engagement

    def _advance(self, engagement: Engagement, spec: EngagementSpec, start: date, end: date):
        order = list(EngagementStatus)
        steps = order[1 : order.index(spec.status) + 1]
        for status in steps:
            if status is EngagementStatus.ACTIVE:
                self._status_change(engagement, status, _at(start, 8, 30))
            elif status is EngagementStatus.HANDOVER:
                day = max(start, min(end - timedelta(days=21), self.today))
                self._status_change(engagement, status, _at(day, 8, 30))
            else:
                day = min(end + timedelta(days=spec.closed_after or 0), self.today)
                engagement.status = EngagementStatus.CLOSED
                engagement.closed_at = _at(day, 16)
                engagement.close_justification = spec.close_justification
                self.event(
                    self.it_lead,
                    "engagement.close",
                    engagement,
                    f"Closed {engagement.title}; final handover report generated",
                    engagement,
                    engagement.closed_at,
                )

    def _status_change(self, engagement: Engagement, status: EngagementStatus, when: datetime):
        before = engagement.status
        engagement.status = status
        self.event(
            self.cto,
            "engagement.status",
            engagement,
            f"Status {before.label} → {status.label}",
            engagement,
            when,
        )

    def _plan_item(self, engagement: Engagement, spec, planning_day: date, period) -> None:
        skill = self.skills[spec.skill]
        knowledge = KNOWLEDGE.get(spec.skill)
        item = PlanItem(
            engagement=engagement,
            skill=skill,
            target_level=spec.target_level,
            criticality=spec.criticality,
            due_date=self.today + timedelta(days=spec.due) if spec.due is not None else None,
            created_at=_at(planning_day, 10),
        )
        db.session.add(item)
        self.event(
            self.cto,
            "plan_item.create",
            item,
            f"Added {skill.name}: target {spec.target_level} · {LEVELS[spec.target_level]}, "
            f"{spec.criticality.label.lower()}",
            engagement,
            _at(planning_day, 10),
        )
        started = period[0] <= period[1]
        if knowledge and started:
            item.handover_notes = knowledge.handover_notes
            written = period[0] + (period[1] - period[0]) * 2 // 5
            self.event(
                engagement.expert,
                "plan_item.notes",
                item,
                f"Updated the handover notes for {skill.name}",
                engagement,
                _at(written, 15),
            )
        for index, assignment_spec in enumerate(spec.assignments):
            assignment = self._assignment(item, assignment_spec, planning_day)
            if knowledge and started:
                self._learning(assignment, assignment_spec, knowledge, index, period)

    def _assignment(self, item: PlanItem, spec: AssignmentSpec, planning_day: date) -> Assignment:
        learner = self.users[spec.learner]
        assignment = Assignment(
            plan_item=item,
            learner=learner,
            learner_role=spec.role,
            phase=Phase.PLANNED,
            created_at=_at(planning_day, 11),
        )
        db.session.add(assignment)
        self.event(
            self.cto,
            "assignment.create",
            assignment,
            f"Assigned {learner.name} to {item.skill.name} as {spec.role.label.lower()} learner",
            item.engagement,
            _at(planning_day, 11),
        )
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

        # phase changes, evenly through the period
        phases = list(Phase)[1 : spec.phase.step]
        for step, phase in enumerate(phases, start=1):
            before = assignment.phase
            assignment.phase = phase
            self.event(
                self.cto,
                "assignment.phase",
                assignment,
                f"{assignment.learner.name} on {assignment.plan_item.skill.name}: "
                f"{before.label} → {phase.label}",
                engagement,
                _at(day_at(step / (len(phases) + 1)), 12),
            )

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

        for k, confirmation_spec in enumerate(spec.confirmations):
            by = (
                engagement.expert
                if confirmation_spec.by == "expert"
                else self.users[confirmation_spec.by]
            )
            when = _at(day_at(0.55 + 0.4 * (k + 1) / len(spec.confirmations)), 16, 30)
            confirmation = LevelConfirmation(
                assignment=assignment,
                level=confirmation_spec.level,
                comment=confirmation_spec.comment,
                confirmed_by=by,
                created_at=when,
            )
            db.session.add(confirmation)
            self.event(
                by,
                "assignment.confirm",
                confirmation,
                f"Confirmed {assignment.learner.name} at level {confirmation.level} "
                f"({LEVELS[confirmation.level]}) on {assignment.plan_item.skill.name}",
                engagement,
                when,
            )

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
        entry = LearningEntry(
            assignment=assignment,
            date=day,
            activity=activity,
            minutes=minutes,
            learned=text,
            self_level=self_level,
            created_at=written,
            updated_at=written,
        )
        if knowledge.links and self.rng.random() < 0.75:
            picks = self.rng.sample(knowledge.links, k=min(len(knowledge.links), 2))
            entry.evidence_links = [
                EvidenceLink(position=position, url=url) for position, url in enumerate(picks)
            ]
        if question_index is not None and knowledge.questions:
            question = OpenQuestion(
                text=knowledge.questions[question_index % len(knowledge.questions)]
            )
            if assignment.phase is Phase.SIGNED_OFF or self.rng.random() < 0.5:
                question.resolved_at = _at(min(day + timedelta(days=3), self.today), 11)
                question.resolved_by = assignment.plan_item.engagement.expert
            entry.questions = [question]
        db.session.add(entry)
        self.event(
            assignment.learner,
            "learning_entry.create",
            entry,
            f"{assignment.learner.name} recorded {format_minutes(minutes)} of "
            f"{activity.label.lower()} on {assignment.plan_item.skill.name}",
            assignment.plan_item.engagement,
            written,
        )
