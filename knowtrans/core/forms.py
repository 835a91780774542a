"""Small reusable form pieces."""

import re
import unicodedata

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import ValidationError
from wtforms.validators import DataRequired, Length


class ConfirmForm(FlaskForm):
    """An empty form: a POST-only button that carries the CSRF token."""


#: bidirectional overrides and isolates: they make text display differently from what it is
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_forbidden_character(ch: str) -> bool:
    if ch in "\n\r\t":
        return False
    return ch in BIDI_CONTROLS or unicodedata.category(ch) in {"Cc", "Cs"}


class NoControlCharacters:
    """Refuse NUL, other control characters and bidi overrides (newlines and tabs stay)."""

    def __call__(self, form, field) -> None:
        value = field.data
        if isinstance(value, str) and any(is_forbidden_character(ch) for ch in value):
            raise ValidationError(_("Contains characters that are not allowed."))


def required_line(message: str, max_length: int) -> list:
    """The validators of a line of text that must be filled in: ``message`` when it is empty,
    then no control characters and at most ``max_length`` characters."""
    return [DataRequired(message), NoControlCharacters(), Length(max=max_length)]


#: invisible characters that make two names look the same but compare different
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))
SPACES = re.compile(r"[ \t]+")


def single_line_filter(value):
    """A name as people read it: compatibility forms folded (full-width letters, ligatures,
    no-break spaces), invisible characters dropped, runs of spaces and tabs one space.
    Control characters stay, for NoControlCharacters to refuse."""
    if not isinstance(value, str):
        return value
    folded = unicodedata.normalize("NFKC", value).translate(INVISIBLE)
    return SPACES.sub(" ", folded).strip()


def strip_filter(value):
    """Surrounding whitespace off, and line breaks as ``\n``.

    Browsers send a textarea's line breaks as CRLF: stored as sent, saving an unchanged note
    would count as a change (a new version, a false edit conflict for anyone else) and each
    line break would count twice against the length the browser itself allowed.
    """
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()
