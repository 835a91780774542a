from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from knowtrans.core.clock import today
from knowtrans.core.concurrency import VersionField
from knowtrans.core.forms import NoControlCharacters, strip_filter
from knowtrans.learning.models import MAX_MINUTES, Activity
from knowtrans.learning.operations import MAX_REASON, EntryDetails
from knowtrans.plans.models import LEVELS

#: how far before the engagement's start a learning entry may be dated
EARLY_DAYS = 30
MAX_LEARNED = 20000
MAX_LINKS = 10
MAX_QUESTIONS = 10
#: the column sizes of evidence_links.url and open_questions.text
MAX_LINE = 500
#: a textarea of at most ten lines of at most 500 characters (and line breaks)
MAX_LINES_TEXT = (MAX_LINE + 2) * max(MAX_LINKS, MAX_QUESTIONS)


def optional_level(value: object) -> int | None:
    """'' means "not given"; anything else must be a whole number (checked against choices)."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    return int(str(value))


def level_choices(blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [
        SelectChoice(str(level), f"{level} · {name}") for level, name in LEVELS.items()
    ]


def lines_of(text: str | None) -> list[str]:
    """The non-empty lines of a textarea, stripped, duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            seen.setdefault(line, None)
    return list(seen)


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_web_address(url: str) -> bool:
    """An absolute http(s) URL with a host; no spaces, no other scheme."""
    if any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


class EntryForm(FlaskForm):
    date = DateField(
        "Date",
        validators=[InputRequired("Enter the day you learned this.")],
        default=today,
    )
    activity = SelectField(
        "Activity",
        choices=[SelectChoice(activity.value, activity.label) for activity in Activity],
        coerce=Activity,
        invalid_value_message="Choose one of the listed activities.",
        invalid_choice_message="Choose one of the listed activities.",
    )
    minutes = IntegerField(
        "Minutes spent",
        validators=[InputRequired("Enter the minutes spent, e.g. 90.")],
        render_kw={"min": 1, "max": MAX_MINUTES, "step": 1, "inputmode": "numeric"},
    )
    learned = TextAreaField(
        "What I learned",
        validators=[
            DataRequired("Write down what you learned."),
            Length(max=MAX_LEARNED),
            NoControlCharacters(),
        ],
        filters=[strip_filter],
        render_kw={"rows": 8},
    )
    evidence = TextAreaField(
        "Evidence links",
        validators=[Length(max=MAX_LINES_TEXT), NoControlCharacters()],
        render_kw={"rows": 3},
    )
    self_level = SelectField(
        "My level now",
        choices=level_choices("Not assessed"),
        coerce=optional_level,
        default="",
        invalid_value_message="Choose a level from the list.",
        invalid_choice_message="Choose a level from the list.",
    )
    questions = TextAreaField(
        "Open questions",
        validators=[Length(max=MAX_LINES_TEXT), NoControlCharacters()],
        render_kw={"rows": 3},
    )
    version = VersionField()

    def __init__(self, *args, earliest: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.earliest = earliest

    def validate_date(self, field) -> None:
        if field.data is None:
            return
        if field.data > today():
            raise ValidationError("The date cannot be in the future.")
        if field.data < self.earliest:
            raise ValidationError(
                f"The date cannot be before {self.earliest:%Y-%m-%d} "
                f"({EARLY_DAYS} days before the engagement started)."
            )

    def validate_minutes(self, field) -> None:
        if field.data is not None and not 1 <= field.data <= MAX_MINUTES:
            raise ValidationError(
                f"Enter between 1 and {MAX_MINUTES} minutes; record longer learning as "
                "several entries."
            )

    def validate_evidence(self, field) -> None:
        urls = lines_of(field.data)
        if len(urls) > MAX_LINKS:
            raise ValidationError(f"At most {MAX_LINKS} links, one per line ({len(urls)} given).")
        for number, url in enumerate(urls, start=1):
            if len(url) > MAX_LINE:
                raise ValidationError(f"Link {number} is longer than {MAX_LINE} characters.")
            if not is_web_address(url):
                raise ValidationError(
                    f'Link {number} ("{shorten(url)}") is not a web address: '
                    "use a full link starting with http:// or https://."
                )

    def validate_questions(self, field) -> None:
        questions = lines_of(field.data)
        if len(questions) > MAX_QUESTIONS:
            raise ValidationError(
                f"At most {MAX_QUESTIONS} questions, one per line ({len(questions)} given)."
            )
        for number, question in enumerate(questions, start=1):
            if len(question) > MAX_LINE:
                raise ValidationError(f"Question {number} is longer than {MAX_LINE} characters.")

    def details(self) -> EntryDetails:
        return EntryDetails(
            date=self.date.data,
            activity=self.activity.data,
            minutes=self.minutes.data,
            learned=self.learned.data,
            evidence_urls=lines_of(self.evidence.data),
            self_level=self.self_level.data,
            questions=lines_of(self.questions.data),
        )


class HideEntryForm(FlaskForm):
    reason = TextAreaField(
        "Why is it hidden?",
        validators=[
            DataRequired("Say why: the learner sees the reason."),
            Length(max=MAX_REASON),
            NoControlCharacters(),
        ],
        filters=[strip_filter],
        render_kw={"rows": 3, "maxlength": MAX_REASON},
    )
    version = VersionField()


class HideEntriesForm(FlaskForm):
    """A learner's entries recorded in a time range, hidden with one reason.

    A GET with the learner and the range previews what would be hidden (``range_is_valid``);
    the POST adds the reason.
    """

    learner = SelectField(
        "Learner",
        coerce=optional_level,
        invalid_value_message="Choose a learner from the list.",
        invalid_choice_message="Choose a learner from the list.",
    )
    recorded_from = DateTimeLocalField(
        "Recorded from (UTC)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Enter when the range starts, e.g. 2026-12-01T09:00.")],
    )
    recorded_until = DateTimeLocalField(
        "Recorded until (UTC)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Enter when the range ends, e.g. 2026-12-01T17:30.")],
    )
    reason = HideEntryForm.reason

    def __init__(self, *args, learners: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.learner.choices = [SelectChoice("", "Choose a learner")] + [
            SelectChoice(str(user_id), name) for user_id, name in learners
        ]

    def validate_learner(self, field) -> None:
        if field.data is None:
            raise ValidationError("Choose the learner whose entries to hide.")

    def validate_recorded_until(self, field) -> None:
        start = self.recorded_from.data
        if field.data is not None and start is not None and field.data <= start:
            raise ValidationError("The end of the range must be after its start.")

    def range_is_valid(self) -> bool:
        """Validate the learner and the range only, as the preview needs them."""
        results = []
        for field in (self.learner, self.recorded_from, self.recorded_until):
            inline = getattr(type(self), f"validate_{field.name}", None)
            results.append(field.validate(self, [inline] if inline else []))
        return all(results)

    def range(self) -> tuple[datetime, datetime]:
        """The range as aware UTC times, the end's minute included."""
        start = self.recorded_from.data.replace(tzinfo=UTC)
        end = self.recorded_until.data.replace(tzinfo=UTC) + timedelta(minutes=1)
        return start, end
