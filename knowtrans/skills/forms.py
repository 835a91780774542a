"""Forms of the skill catalogue: the shape of the input, and a friendly pre-check of the
name the operations refuse (``knowtrans.skills.operations``)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
from wtforms.validators import Length

from knowtrans.core.concurrency import VersionField
from knowtrans.core.forms import (
    NoControlCharacters,
    required_line,
    single_line_filter,
    strip_filter,
)
from knowtrans.skills.models import Skill
from knowtrans.skills.operations import duplicate_name_message, skill_named

CATEGORY_LIST_ID = "skill-categories"


class SkillForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=required_line(_l("Enter the skill's name."), 100),
        filters=[single_line_filter],
    )
    category = StringField(
        _l("Category"),
        validators=required_line(_l("Enter a category, e.g. Databases."), 60),
        filters=[single_line_filter],
        render_kw={"list": CATEGORY_LIST_ID, "autocomplete": "off"},
    )
    description = TextAreaField(
        _l("Description"),
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

    q = SearchField(_l("Name or description"), validators=[NoControlCharacters(), Length(max=200)])
    category = SelectField(_l("Category"), default="")
    archived = BooleanField(_l("Show archived skills"), false_values=("", "0", "false", "off"))

    def __init__(self, *args, categories: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", _("All categories"))] + [
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
