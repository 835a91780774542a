"""What a handover report says: plain frozen values, gathered before rendering.

The print layout reads only these dataclasses (strings, numbers, dates, sanitised HTML), so
no database access can happen while WeasyPrint lays the document out.
``knowtrans.reports.data`` gathers them from the database.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from markupsafe import Markup

from knowtrans.plans.models import LEVELS, Criticality
from knowtrans.readiness import HIGH_CRITICALITIES, Coverage, is_single_point

#: the state of a coverage-matrix cell whose learner is not assigned to the skill
NOT_ASSIGNED = "none"


@dataclass(frozen=True)
class EngagementFacts:
    id: int
    title: str
    expert: str
    client: str
    project: str
    start_date: date
    planned_end_date: date
    status: str
    closed_at: datetime | None
    close_justification: str
    objectives: Markup


@dataclass(frozen=True)
class Question:
    text: str
    asked_on: date
    learner: str
    skill: str
    resolved_at: datetime | None = None
    resolved_by: str | None = None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


@dataclass(frozen=True)
class Entry:
    """One learning entry, as the learner wrote it (Markdown already sanitised)."""

    id: int
    date: date
    activity: str
    minutes: int
    learned: Markup
    self_level: int | None
    learner: str
    skill: str
    evidence: tuple[str, ...] = ()
    questions: tuple[Question, ...] = ()
    #: characters of the text as written, and whether ``learned`` shows only its beginning
    length: int = 0
    shortened: bool = False


@dataclass(frozen=True)
class Confirmation:
    level: int
    confirmed_by: str
    confirmed_at: datetime
    comment: str
    learner: str
    skill: str

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]


@dataclass(frozen=True)
class Learner:
    name: str
    #: counts towards coverage: internal staff still with the company (see readiness)
    internal: bool
    #: why not, if not: "external", "left"
    standing: str
    role: str
    phase: str
    phase_step: int
    confirmed: int | None
    self_assessed: int | None
    minutes: int
    entry_count: int
    #: the newest entries (at most LOG_ENTRIES_PER_ASSIGNMENT of ``entry_count``) are in the
    #: appendix in full, the others summed up by month
    entries_in_full: int
    key_learnings: tuple[Entry, ...]
    evidence: tuple[str, ...]
    questions: tuple[Question, ...]
    #: newest first, at most CONFIRMATIONS of ``confirmation_count``; the first one counts
    confirmations: tuple[Confirmation, ...]
    confirmation_count: int = 0


@dataclass(frozen=True)
class Item:
    """A plan item: one skill to hand over, with its readiness and its learners."""

    anchor: str
    number: str
    skill: str
    category: str
    target: int
    criticality: Criticality
    criticality_label: str
    due_date: date | None
    deadline: date | None
    covered: bool
    bus_factor: int
    at_risk: bool
    best_confirmed: int | None
    notes: Markup
    minutes: int
    learners: tuple[Learner, ...]
    #: whether ``notes`` shows only the beginning of long notes
    notes_shortened: bool = False
    #: what to do next, for an item below target or held by a single person
    follow_up: str = ""

    @property
    def open_questions(self) -> tuple[Question, ...]:
        return tuple(q for learner in self.learners for q in learner.questions if not q.resolved)


@dataclass(frozen=True)
class MatrixCell:
    #: the learner's ``readiness.Coverage`` of the skill, or NOT_ASSIGNED
    state: Coverage | str
    confirmed: int | None = None
    self_assessed: int | None = None

    @property
    def text(self) -> str:
        if self.state == NOT_ASSIGNED:
            return "—"
        if self.state is Coverage.UNCONFIRMED and not self.self_assessed:
            return _("not yet")
        confirmed = str(self.confirmed) if self.confirmed else "–"
        if not self.self_assessed:
            return confirmed
        # a cell of the coverage matrix: confirmed level / self-assessed level
        return _("%(confirmed)s / self %(own)s", confirmed=confirmed, own=self.self_assessed)


@dataclass(frozen=True)
class MatrixRow:
    skill: str
    target: int
    cells: tuple[MatrixCell, ...]


@dataclass(frozen=True)
class ChartPart:
    """The readiness chart of skills ``first`` to ``last`` (1-based, in plan order)."""

    first: int
    last: int
    svg: Markup


@dataclass(frozen=True)
class MatrixPart:
    """The coverage matrix for a slice of the learners (one table)."""

    learners: tuple[str, ...]
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True)
class LearnerHours:
    name: str
    minutes: int
    skills: int
    entries: int


@dataclass(frozen=True)
class MonthOfEntries:
    """Entries of one learner on one skill in one month, summed up (not printed in full)."""

    learner: str
    skill: str
    month: date
    entries: int
    minutes: int


@dataclass(frozen=True)
class HiddenEntries:
    """Entries a CTO or IT lead hid in one act, with the reason."""

    learner: str
    skill: str
    entries: int
    hidden_by: str
    hidden_at: datetime
    reason: str


@dataclass(frozen=True)
class Signatory:
    role: str
    name: str
    note: str = ""
    signed_on: date | None = None


@dataclass(frozen=True)
class ReportData:
    identifier: str
    final: bool
    generated_at: datetime
    generated_by: str
    engagement: EngagementFacts
    readiness_percent: int | None
    total: int
    covered: int
    uncovered: int
    at_risk: int
    #: an uncovered item is at risk this many days before its deadline
    at_risk_days: int
    items: tuple[Item, ...]
    #: the readiness chart, in parts of at most CHART_ROWS skills
    charts: tuple[ChartPart, ...]
    matrix: tuple[MatrixPart, ...]
    matrix_learners: int
    #: the confirmation that counts, per assignment; newest first
    sign_offs: tuple[Confirmation, ...]
    signed_off_phase: int
    total_minutes: int
    hours_by_learner: tuple[LearnerHours, ...]
    #: the unresolved questions of the entries printed in full
    open_questions: tuple[Question, ...]
    #: unresolved questions of every visible entry (more than listed when entries are summed up)
    open_questions_total: int
    signatories: tuple[Signatory, ...]
    #: the entries printed in full, oldest first
    log: tuple[Entry, ...]
    #: every visible entry, printed in full or summed up by month
    log_total: int
    #: the entries not printed in full, summed up by learner, skill and month
    log_by_month: tuple[MonthOfEntries, ...] = ()
    #: entries a CTO or IT lead hid: counted here, nowhere else
    hidden: tuple[HiddenEntries, ...] = ()
    hidden_total: int = 0

    @property
    def critical_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.criticality in HIGH_CRITICALITIES)

    @property
    def below_target(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if not item.covered)

    @property
    def single_points(self) -> tuple[Item, ...]:
        """Covered high or critical items that only one person holds."""
        return tuple(
            item for item in self.items if is_single_point(item.criticality, item.bus_factor)
        )

    @property
    def skill_names(self) -> tuple[str, ...]:
        return tuple(item.skill for item in self.items)

    @property
    def matrix_uncounted(self) -> bool:
        """Whether the matrix shows a level that does not count (a learner who left)."""
        return any(
            cell.state is Coverage.UNCOUNTED
            for part in self.matrix
            for row in part.rows
            for cell in row.cells
        )
