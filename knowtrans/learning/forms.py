from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
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
            Length(max=MAX_REASON, message=f"At most {MAX_REASON} characters, please."),
            NoControlCharacters(),
        ],
        filters=[strip_filter],
        render_kw={"rows": 3},
    )
    erase = BooleanField(
        "Also erase its text, evidence links and questions for good",
        description=(
            "For a password or personal data that must not be kept. What remains is the day, "
            "the activity, the time spent and this reason; the entry cannot be shown again."
        ),
    )
    version = VersionField()


#: the years a bulk hide's range may name (every entry was recorded within)
RECORDED_YEARS = range(2000, 2100)


class RecordedTimeField(DateTimeLocalField):
    """A date and time to the minute; what cannot be read is refused with an example."""

    def __init__(self, label: str | None = None, example: str = "", **kwargs) -> None:
        self.example = example
        kwargs.setdefault("validators", [InputRequired(f"Enter a date and time, e.g. {example}.")])
        super().__init__(label, format="%Y-%m-%dT%H:%M", **kwargs)

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"Enter a date and time, e.g. {self.example}.") from None


def within_years(form, field) -> None:
    if field.data is not None and field.data.year not in RECORDED_YEARS:
        raise ValidationError("Enter a date and time between the years 2000 and 2099.")


class RecordedRangeForm(FlaskForm):
    """Whose entries, recorded when (UTC): what a bulk hide previews, from the query string."""

    class Meta:
        csrf = False

    learner = SelectField(
        "Learner",
        coerce=optional_level,
        validators=[InputRequired("Choose the learner whose entries to hide.")],
        invalid_value_message="Choose a learner from the list.",
        invalid_choice_message="Choose a learner from the list.",
    )
    recorded_from = RecordedTimeField("Recorded from (UTC)", "1 December 2026, 09:00")
    recorded_until = RecordedTimeField("Recorded until (UTC)", "1 December 2026, 17:30")

    def __init__(self, *args, learners: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.learner.choices = [SelectChoice("", "Choose a learner")] + [
            SelectChoice(str(user_id), name) for user_id, name in learners
        ]

    def validate_recorded_from(self, field) -> None:
        within_years(self, field)

    def validate_recorded_until(self, field) -> None:
        within_years(self, field)
        start = self.recorded_from.data
        if field.data is not None and start is not None and field.data <= start:
            raise ValidationError("The end of the range must be after its start.")

    def range(self) -> tuple[datetime, datetime]:
        """The range as aware UTC times, the end's minute included."""
        start = self.recorded_from.data.replace(tzinfo=UTC)
        end = self.recorded_until.data.replace(tzinfo=UTC) + timedelta(minutes=1)
        return start, end


class MomentField(HiddenField):
    """An exact moment (ISO 8601, UTC) the page itself put in the form; None if unreadable."""

    data: datetime | None

    def process_formdata(self, valuelist: list) -> None:
        try:
            self.data = datetime.fromisoformat(valuelist[0]).astimezone(UTC)
        except (IndexError, ValueError, OverflowError):
            self.data = None

    def _value(self) -> str:
        return self.data.isoformat() if isinstance(self.data, datetime) else ""


class HideEntriesForm(RecordedRangeForm):
    """The preview's range with the reason: the POST that hides."""

    class Meta:
        csrf = True

    reason = HideEntryForm.reason
    #: when the lead saw the preview: entries recorded later are not hidden unseen
    previewed_at = MomentField()

    def validate_previewed_at(self, field) -> None:
        if field.data is None:
            raise ValidationError("Show what would be hidden first, then hide it.")


class ShowHiddenActForm(FlaskForm):
    """One act of hiding, undone: whose entries, hidden at which moment."""

    learner = SelectField(
        coerce=optional_level,
        validators=[InputRequired()],
        invalid_value_message="Choose a learner from the list.",
        invalid_choice_message="Choose a learner from the list.",
    )
    hidden_at = MomentField(validators=[InputRequired()])

    def __init__(self, *args, learners: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.learner.choices = [SelectChoice(str(user_id), name) for user_id, name in learners]

    def validate_hidden_at(self, field) -> None:
        if field.data is None:
            raise ValidationError("Not a moment of hiding.")
