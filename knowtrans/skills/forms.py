"""Forms of the skill catalogue."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length

from knowtrans.core.concurrency import VersionField
from knowtrans.core.forms import NoControlCharacters, single_line_filter, strip_filter
from knowtrans.skills.models import Skill
from knowtrans.skills.operations import skill_named

CATEGORY_LIST_ID = "skill-categories"


def duplicate_name_message(existing: Skill, *, renaming: bool = False) -> str:
    message = f"A skill named “{existing.name}” exists already."
    if existing.archived and renaming:
        message += " It is archived; choose another name."
    elif existing.archived:
        message += " It is archived: restore it instead of creating it again."
    return message


class SkillForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired("Enter the skill's name."),
            NoControlCharacters(),
            Length(max=100),
        ],
        filters=[single_line_filter],
    )
    category = StringField(
        "Category",
        validators=[
            DataRequired("Enter a category, e.g. Databases."),
            NoControlCharacters(),
            Length(max=60),
        ],
        filters=[single_line_filter],
        render_kw={"list": CATEGORY_LIST_ID, "autocomplete": "off"},
    )
    description = TextAreaField(
        "Description",
        validators=[NoControlCharacters(), Length(max=2000)],
        filters=[strip_filter],
    )
    version = VersionField()

    def __init__(self, *args, editing: Skill | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing

    def validate_name(self, field) -> None:
        if field.errors:  # never query with a refused name (PostgreSQL refuses NUL)
            return
        existing = skill_named(field.data, exclude_id=self.editing.id if self.editing else None)
        if existing is not None:
            raise ValidationError(
                duplicate_name_message(existing, renaming=self.editing is not None)
            )


class SkillFilterForm(FlaskForm):
    """The list's search and filters, read from the query string."""

    class Meta:
        csrf = False

    q = SearchField("Name or description", validators=[NoControlCharacters(), Length(max=200)])
    category = SelectField("Category", default="")
    archived = BooleanField("Show archived skills", false_values=("", "0", "false", "off"))

    def __init__(self, *args, categories: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", "All categories")] + [
            SelectChoice(category) for category in categories
        ]

    def applied(self) -> dict[str, str]:
        """The valid, non-empty filters as query arguments; invalid ones are ignored."""
        self.validate()
        applied = {}
        for name in ("q", "category"):
            field = self[name]
            if field.data and not field.errors:
                applied[name] = field.data
        if self.archived.data:
            applied["archived"] = "1"
        return applied
