from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from babel import Locale
from babel import dates as babel_dates
from flask_babel import LazyString, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    StopValidation,
    ValidationError,
)

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


def _level_label(level: int) -> str:
    return f"{level} · {LEVELS[level]}"


def level_choices(blank: str) -> list[SelectChoice]:
    """The levels to choose from after ``blank`` (a lazy text where made at import): each
    label is worked out when the page is drawn, in the reader's language."""
    return [SelectChoice("", blank)] + [
        SelectChoice(str(level), LazyString(_level_label, level)) for level in LEVELS
    ]


def activity_choices() -> list[SelectChoice]:
    return [SelectChoice(activity.value, activity.label) for activity in Activity]


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


def refuse_all(field, messages: list[str]) -> None:
    """Put every message at the field (each bad line named, not only the first)."""
    if messages:
        field.errors.extend(messages[:-1])
        raise ValidationError(messages[-1])


class EntryForm(FlaskForm):
    date = DateField(
        _l("Date"),
        validators=[InputRequired(_l("Enter the day you learned this."))],
        default=today,
    )
    activity = SelectField(
        _l("Activity"),
        choices=activity_choices,
        coerce=Activity,
        invalid_value_message=_l("Choose one of the listed activities."),
        invalid_choice_message=_l("Choose one of the listed activities."),
    )
    minutes = IntegerField(
        _l("Minutes spent"),
        validators=[InputRequired(_l("Enter the minutes spent, e.g. 90."))],
        # 1.5, 90 min, 1:30: what the browser would have stopped, said with what is allowed
        invalid_value_message=_l("Enter whole minutes, e.g. 90."),
        render_kw={"min": 1, "max": MAX_MINUTES, "step": 1, "inputmode": "numeric"},
    )
    learned = TextAreaField(
        _l("What I learned"),
        validators=[
            DataRequired(_l("Write down what you learned.")),
            Length(max=MAX_LEARNED),
            NoControlCharacters(),
        ],
        filters=[strip_filter],
        render_kw={"rows": 8},
    )
    evidence = TextAreaField(
        _l("Evidence links"),
        validators=[Length(max=MAX_LINES_TEXT), NoControlCharacters()],
        render_kw={"rows": 3},
    )
    self_level = SelectField(
        _l("My level now"),
        choices=level_choices(_l("Not assessed")),
        coerce=optional_level,
        default="",
        invalid_value_message=_l("Choose a level from the list."),
        invalid_choice_message=_l("Choose a level from the list."),
    )
    questions = TextAreaField(
        _l("Open questions"),
        validators=[Length(max=MAX_LINES_TEXT), NoControlCharacters()],
        render_kw={"rows": 3},
    )
    version = VersionField()

    def validate_minutes(self, field) -> None:
        if field.data is not None and not 1 <= field.data <= MAX_MINUTES:
            raise ValidationError(
                _(
                    "Enter between 1 and %(max)d minutes; record longer learning as "
                    "several entries.",
                    max=MAX_MINUTES,
                )
            )

    def validate_evidence(self, field) -> None:
        urls = lines_of(field.data)
        if len(urls) > MAX_LINKS:
            raise ValidationError(
                _(
                    "At most %(max)d links, one per line (%(count)d given).",
                    max=MAX_LINKS,
                    count=len(urls),
                )
            )
        messages, not_web = [], False
        for number, url in enumerate(urls, start=1):
            if len(url) > MAX_LINE:
                messages.append(
                    _(
                        "Link %(number)d is longer than %(max)d characters.",
                        number=number,
                        max=MAX_LINE,
                    )
                )
            elif not is_web_address(url):
                not_web = True
                messages.append(
                    _(
                        'Link %(number)d ("%(link)s") is not a web address.',
                        number=number,
                        link=shorten(url),
                    )
                )
        if not_web:  # and what is allowed, once
            messages.append(
                _("Each link must be a full web address starting with http:// or https://.")
            )
        refuse_all(field, messages)

    def validate_questions(self, field) -> None:
        questions = lines_of(field.data)
        if len(questions) > MAX_QUESTIONS:
            raise ValidationError(
                _(
                    "At most %(max)d questions, one per line (%(count)d given).",
                    max=MAX_QUESTIONS,
                    count=len(questions),
                )
            )
        refuse_all(
            field,
            [
                _(
                    "Question %(number)d is longer than %(max)d characters.",
                    number=number,
                    max=MAX_LINE,
                )
                for number, question in enumerate(questions, start=1)
                if len(question) > MAX_LINE
            ],
        )

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
        _l("Why is it hidden?"),
        validators=[
            DataRequired(_l("Say why: the learner sees the reason.")),
            # WTForms fills in %(max)d
            Length(max=MAX_REASON, message=_l("At most %(max)d characters, please.")),
            NoControlCharacters(),
        ],
        filters=[strip_filter],
        render_kw={"rows": 3},
    )
    erase = BooleanField(
        _l("Also erase its text, evidence links and questions for good"),
        description=_l(
            "For a password or personal data that must not be kept. What remains is the day, "
            "the activity, the time spent and this reason; the entry cannot be shown again."
        ),
    )
    version = VersionField()


#: the years a bulk hide's range may name (every entry was recorded within)
RECORDED_YEARS = range(2000, 2100)


def utc_example(moment: datetime) -> str:
    """A date and time of a UTC field as the reader's language writes one (no seconds, no
    conversion to the reader's time zone): Dec 1, 2026, 9:00 AM / 01.12.2026, 09:00."""
    locale = get_locale() or Locale("en")
    day = babel_dates.format_date(moment.date(), "medium", locale=locale)
    time = babel_dates.format_time(moment.time(), "short", locale=locale)
    return str(locale.datetime_formats["medium"]).format(time, day)


class MomentRequired:
    """InputRequired whose message gives an example of what to enter."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        if not field.raw_data or not field.raw_data[0]:
            field.errors[:] = []
            raise StopValidation(field.enter_message())


class RecordedTimeField(DateTimeLocalField):
    """A date and time to the minute; what cannot be read is refused with an example."""

    def __init__(self, label=None, example: datetime | None = None, **kwargs) -> None:
        self.example = example or datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        kwargs.setdefault("validators", [MomentRequired()])
        super().__init__(label, format="%Y-%m-%dT%H:%M", **kwargs)

    def enter_message(self) -> str:
        return _("Enter a date and time, e.g. %(example)s.", example=utc_example(self.example))

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.enter_message()) from None


def within_years(form, field) -> None:
    if field.data is not None and field.data.year not in RECORDED_YEARS:
        raise ValidationError(
            _(
                "Enter a date and time between the years %(first)s and %(last)s.",
                first=RECORDED_YEARS[0],
                last=RECORDED_YEARS[-1],
            )
        )


class RecordedRangeForm(FlaskForm):
    """Whose entries, recorded when (UTC): what a bulk hide previews, from the query string."""

    class Meta:
        csrf = False

    learner = SelectField(
        _l("Learner"),
        coerce=optional_level,
        validators=[InputRequired(_l("Choose the learner whose entries to hide."))],
        invalid_value_message=_l("Choose a learner from the list."),
        invalid_choice_message=_l("Choose a learner from the list."),
    )
    recorded_from = RecordedTimeField(
        _l("Recorded from (UTC)"), datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    )
    recorded_until = RecordedTimeField(
        _l("Recorded until (UTC)"), datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    )

    def __init__(self, *args, learners: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.learner.choices = [SelectChoice("", _("Choose a learner"))] + [
            SelectChoice(str(user_id), name) for user_id, name in learners
        ]

    def validate_recorded_from(self, field) -> None:
        within_years(self, field)

    def validate_recorded_until(self, field) -> None:
        within_years(self, field)
        start = self.recorded_from.data
        if field.data is not None and start is not None and field.data <= start:
            raise ValidationError(_("The end of the range must be after its start."))

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
            raise ValidationError(_("Show what would be hidden first, then hide it."))


class ShowHiddenActForm(FlaskForm):
    """One act of hiding, undone: whose entries, hidden at which moment."""

    learner = SelectField(
        coerce=optional_level,
        validators=[InputRequired()],
        invalid_value_message=_l("Choose a learner from the list."),
        invalid_choice_message=_l("Choose a learner from the list."),
    )
    hidden_at = MomentField(validators=[InputRequired()])

    def __init__(self, *args, learners: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.learner.choices = [SelectChoice(str(user_id), name) for user_id, name in learners]

    def validate_hidden_at(self, field) -> None:
        if field.data is None:
            raise ValidationError(_("Not a moment of hiding."))
