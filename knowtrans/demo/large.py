"""A large (or huge) company on top of the demo one, for the benchmark and scale tests.

Deterministic (a seeded random generator, dates relative to today) and fast: rows are
written with bulk inserts, not one ORM object at a time, in batches, so a huge company
never sits in memory whole. ``scale`` multiplies the company: the engagements, the staff,
the experts and the skill catalogue (``SCALES``: large is 1, huge 10); what one engagement
holds does not grow with it, and neither does the one very large engagement. Skills past
one per technology and facet come from a generator of their own, so the rows of scale 1
stay those the large figures of ``docs/performance.md`` were measured on.

A bulk path beside the operations: tens of thousands of rows through them would take
minutes. It keeps their rules by what it generates, and ``tests/test_demo.py`` checks every
row of small runs (at scale 1 and 3) against them (``tests/rules.py``):

- users: staff internal, experts external (``role_conflict``), all active; emails and
  skill names unique, ignoring case;
- learners only from the staff, so never an engagement's (external) expert: what
  ``check_learner`` asks; one assignment per learner and item, one item per skill and plan;
- planned end at least 45 days after the start, due dates from 30 days before the planned
  end up to it, so between the start and the planned end;
- learning entries dated from the start (or, on a planned engagement, up to 30 days before
  it) until today or the planned end, whichever is earlier; minutes and levels in range;
- phases up to independent, never signed off (which needs a confirmed level at the
  target); confirmations by the engagement's expert, never in the future; no closed
  engagement (which needs its archived final report).

It records no audit events: the scale it builds is of plans and learning, not of history.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.core.maintenance import after_bulk_insert
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db
from knowtrans.learning.models import Activity, EvidenceLink, LearningEntry, OpenQuestion
from knowtrans.plans.models import Assignment, Criticality, LearnerRole, Phase, PlanItem
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role, User, UserKind, UserRole

RANDOM_SEED = 20261127
#: how many times the company of scale 1 each size is
SCALES = {"large": 1, "huge": 10}
ENGAGEMENTS = 200
STAFF = 500
EXPERTS = 60
SKILLS = 300
#: the one very large engagement
BIG_ITEMS, BIG_LEARNERS, BIG_ENTRIES = 45, 30, 2400
ENTRIES_PER_ASSIGNMENT = (6, 12)
#: rows held before they are written (learning entries being the most)
BATCH_ROWS = 20_000

FIRST = ("Alex", "Sam", "Jana", "Omar", "Lena", "Ravi", "Mia", "Jonas", "Eva", "Noah", "Lea",
         "Finn", "Sara", "Tim", "Nina", "Ali", "Ida", "Max", "Zoe", "Ben", "Emil", "Clara",
         "Yusuf", "Hanna", "Luca")  # fmt: skip
LAST = ("Berger", "Hofmann", "Novak", "Costa", "Schulz", "Okafor", "Lindqvist", "Meyer",
        "Kaya", "Dubois", "Rossi", "Nowak", "Jensen", "Wagner", "Sato", "Fischer", "Moreau",
        "Horvat", "Silva", "Becker")  # fmt: skip
TECHNOLOGIES = ("Kubernetes", "Terraform", "PostgreSQL", "Kafka", "Redis", "Elasticsearch",
                "Ansible", "Vault", "Keycloak", "Nginx", "HAProxy", "RabbitMQ", "MongoDB",
                "Cassandra", "Spark", "Airflow", "Jenkins", "GitLab CI", "ArgoCD", "Helm",
                "Prometheus", "Grafana", "OpenTelemetry", "Istio", "Envoy", "Ceph", "MinIO",
                "AWS IAM", "Azure AD", "GCP networking", "SAP HANA", "Oracle RAC", "MySQL",
                "ClickHouse", "Snowflake", "dbt", "Jira workflows", "Active Directory",
                "VMware vSphere", "OpenShift", "Cloudflare", "Fastly")  # fmt: skip
FACETS = ("operations", "upgrades", "tuning", "troubleshooting", "security hardening",
          "backup and restore", "monitoring", "automation")  # fmt: skip
CATEGORIES = ("Platform", "Data", "Security", "Delivery", "Observability", "Networking")
CLIENTS = ("Retail Platform", "Payments", "Logistics", "Customer Data", "Finance IT",
           "Workplace IT", "Manufacturing Systems", "Mobile Backend")  # fmt: skip
NOTES = (
    "Walked through the {skill} runbook with the expert; noted the two manual steps.",
    "Paired on a {skill} change in staging. Learned why the rollout waits for health checks.",
    "Did the {skill} task myself while the expert watched; one hiccup with permissions.",
    "Read the design notes for {skill}; wrote down the three places configuration lives.",
    "Workshop on {skill}: failure modes, alerts and who to call out of hours.",
    "Reverse shadowing on {skill}: handled the ticket alone, expert only reviewed.",
)
#: the catalogue beyond one skill per technology and facet: the same in more settings
SETTINGS = ("EU region", "US region", "APAC region", "on premises", "public cloud", "edge sites",
            "legacy estate", "lab", "disaster recovery site", "partner hosting")  # fmt: skip
QUESTIONS = ("Who owns the on-call escalation for {skill}?",
             "Where is the {skill} disaster-recovery test documented?",
             "Which {skill} settings differ between staging and production?")  # fmt: skip


@dataclass(frozen=True)
class LargeCounts:
    engagements: int
    users: int
    skills: int
    plan_items: int
    assignments: int
    learning_entries: int
    big_engagement_id: int


class _Ids:
    """Explicit ids continue after what the database holds, so bulk rows can refer to them."""

    def __init__(self, model) -> None:
        self.next = (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))), UTC)


def _insert(model, rows: list[dict]) -> None:
    if rows:
        db.session.execute(sa.insert(model), rows)


def _skill_names(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(technology, facet, setting) shuffled: every technology and facet once without a
    setting, then, while more are needed, again in each setting."""
    combos = [(t, f, "") for t in TECHNOLOGIES for f in FACETS]
    rng.shuffle(combos)
    more = random.Random(RANDOM_SEED + 1)  # the main generator's sequence stays as it was
    for setting in SETTINGS:
        if len(combos) >= count:
            break
        round_ = [(t, f, setting) for t in TECHNOLOGIES for f in FACETS]
        more.shuffle(round_)
        combos.extend(round_)
    return combos


class _Batches:
    """Rows per model, written in the order of the foreign keys once enough are held."""

    ORDER = (User, UserRole, Skill, Engagement, PlanItem, Assignment, LearningEntry,
             EvidenceLink, OpenQuestion, LevelConfirmation)  # fmt: skip

    def __init__(self) -> None:
        self.rows: dict[type, list[dict]] = {model: [] for model in self.ORDER}

    def add(self, model: type, row: dict) -> None:
        self.rows[model].append(row)

    def maybe_write(self) -> None:
        if sum(len(rows) for rows in self.rows.values()) >= BATCH_ROWS:
            self.write()

    def write(self) -> None:
        for model in self.ORDER:
            rows = self.rows[model]
            for start in range(0, len(rows), 5000):
                _insert(model, rows[start : start + 5000])
            rows.clear()


def seed_large(password_hash: str, today: date, scale: int = 1) -> LargeCounts:
    """Add a large company, ``scale`` times over, to the (seeded) database; flushes, the
    caller commits."""
    if scale < 1:
        raise ValueError("the scale is at least 1")
    rng = random.Random(RANDOM_SEED)
    now = datetime.now(UTC)
    user_ids = _Ids(User)
    users: list[dict] = []
    roles: list[dict] = []
    staff: list[int] = []
    experts: list[int] = []
    for kind, count, role, bucket, domain in (
        (UserKind.INTERNAL, STAFF * scale, Role.STAFF, staff, "example.com"),
        (UserKind.EXTERNAL, EXPERTS * scale, Role.EXPERT, experts, "contractors.example.net"),
    ):
        for n in range(count):
            user_id = user_ids.take()
            name = f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]}"
            email = f"{role.value}{n + 1:03d}.{name.split()[1].lower()}@{domain}"
            users.append(
                {
                    "id": user_id,
                    "email": email,
                    "name": f"{name} {n + 1}",
                    "password_hash": password_hash,
                    "kind": kind.value,
                    "active": True,
                    "language": "en",
                    "created_at": now,
                    "session_version": 1,
                }
            )
            roles.append({"user_id": user_id, "role": role.value})
            bucket.append(user_id)
    _insert(User, users)
    _insert(UserRole, roles)

    existing = {name.lower() for name in db.session.scalars(sa.select(Skill.name))}
    skill_ids = _Ids(Skill)
    skills: list[dict] = []
    for technology, facet, setting in _skill_names(rng, SKILLS * scale):
        name = f"{technology} {facet} ({setting})" if setting else f"{technology} {facet}"
        if name.lower() in existing or len(skills) + len(existing) >= SKILLS * scale:
            continue
        skills.append(
            {
                "id": skill_ids.take(),
                "name": name,
                "category": rng.choice(CATEGORIES),
                "description": f"{facet.capitalize()} of {technology} in "
                + (setting or "production")
                + ".",
                "archived": False,
                "created_at": now,
                "version": 1,
            }
        )
    _insert(Skill, skills)
    skill_pool = [(row["id"], row["name"]) for row in skills]

    engagement_ids, item_ids, assignment_ids = _Ids(Engagement), _Ids(PlanItem), _Ids(Assignment)
    entry_ids = _Ids(LearningEntry)
    batches = _Batches()
    existing_engagements = db.session.scalar(sa.select(sa.func.count(Engagement.id))) or 0
    big_id = None
    statuses = (
        EngagementStatus.PLANNED,
        EngagementStatus.ACTIVE,
        EngagementStatus.ACTIVE,
        EngagementStatus.ACTIVE,
        EngagementStatus.HANDOVER,
    )
    added = max(ENGAGEMENTS * scale - existing_engagements, 1)
    for n in range(added):
        big = n == 0
        engagement_id = engagement_ids.take()
        big_id = big_id or engagement_id
        status = EngagementStatus.ACTIVE if big else rng.choice(statuses)
        start = today - timedelta(days=rng.randint(60, 300) if status.value != "planned" else -14)
        end = today + timedelta(days=rng.randint(-5, 120))
        end = max(end, start + timedelta(days=45))
        client = rng.choice(CLIENTS)
        title = (
            "Core platform handover (all teams)"
            if big
            else f"{rng.choice(TECHNOLOGIES)} knowledge transfer {n + 1}"
        )
        expert_id = rng.choice(experts)
        batches.add(
            Engagement,
            {
                "id": engagement_id,
                "title": title,
                "expert_id": expert_id,
                "client": client,
                "project": f"{client} roadmap",
                "start_date": start,
                "planned_end_date": end,
                "objectives": "Hand over daily operations, incident handling and upgrades.",
                "status": status.value,
                "created_at": now,
                "closed_at": None,
                "close_justification": "",
                "version": 1,
            },
        )
        n_items = BIG_ITEMS if big else rng.randint(11, 21)
        learners = rng.sample(staff, BIG_LEARNERS if big else rng.randint(3, 8))
        chosen = rng.sample(skill_pool, n_items)
        for position, (skill_id, skill_name) in enumerate(chosen):
            item_id = item_ids.take()
            target = rng.choice((2, 3, 3, 4, 4, 5))
            batches.add(
                PlanItem,
                {
                    "id": item_id,
                    "engagement_id": engagement_id,
                    "skill_id": skill_id,
                    "target_level": target,
                    "criticality": rng.choice(list(Criticality)).value,
                    "due_date": end - timedelta(days=rng.randint(0, 30))
                    if rng.random() < 0.5
                    else None,
                    "handover_notes": f"#### Where things live\n\n- {skill_name}: ops wiki",
                    "created_at": now,
                    "version": 1,
                },
            )
            item_learners = (
                [learners[(position + k) % len(learners)] for k in range(3)]
                if big
                else rng.sample(learners, rng.randint(1, 3))
            )
            for k, learner_id in enumerate(item_learners):
                assignment_id = assignment_ids.take()
                phase = rng.choice(list(Phase)[:4])
                batches.add(
                    Assignment,
                    {
                        "id": assignment_id,
                        "plan_item_id": item_id,
                        "learner_id": learner_id,
                        "learner_role": (
                            LearnerRole.PRIMARY if k == 0 else LearnerRole.BACKUP
                        ).value,
                        "phase": phase.value,
                        "created_at": now,
                    },
                )
                # the big engagement: its entries spread evenly over its assignments
                count = (
                    -(-BIG_ENTRIES // (BIG_ITEMS * 3))
                    if big
                    else rng.randint(*ENTRIES_PER_ASSIGNMENT)
                )
                span = max((min(today, end) - start).days, 1)
                for _ in range(count):
                    entry_id = entry_ids.take()
                    day = start + timedelta(days=rng.randint(0, span))
                    batches.add(
                        LearningEntry,
                        {
                            "id": entry_id,
                            "assignment_id": assignment_id,
                            "date": min(day, today),
                            "activity": rng.choice(list(Activity)).value,
                            "minutes": rng.choice((30, 45, 60, 90, 120, 180)),
                            "learned": rng.choice(NOTES).format(skill=skill_name),
                            "self_level": rng.randint(1, 5),
                            "created_at": now,
                            "updated_at": now,
                            "version": 1,
                        },
                    )
                    if rng.random() < 0.2:
                        url = f"https://wiki.example.internal/ops/{item_id}/{entry_id}"
                        batches.add(EvidenceLink, {"entry_id": entry_id, "position": 0, "url": url})
                    if rng.random() < 0.05:
                        batches.add(
                            OpenQuestion,
                            {
                                "entry_id": entry_id,
                                "text": rng.choice(QUESTIONS).format(skill=skill_name),
                                "resolved_at": None,
                                "resolved_by_id": None,
                            },
                        )
                if rng.random() < 0.5:
                    batches.add(
                        LevelConfirmation,
                        {
                            "assignment_id": assignment_id,
                            "level": rng.randint(1, 5),
                            "comment": "",
                            "confirmed_by_id": expert_id,
                            "created_at": min(_at(min(today, end), rng), now),
                        },
                    )
        batches.maybe_write()
    batches.write()
    db.session.flush()
    after_bulk_insert()
    return LargeCounts(
        engagements=existing_engagements + added,
        users=_count(User),
        skills=_count(Skill),
        plan_items=_count(PlanItem),
        assignments=_count(Assignment),
        learning_entries=_count(LearningEntry),
        big_engagement_id=big_id or 0,
    )


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
