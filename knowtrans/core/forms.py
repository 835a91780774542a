"""Small reusable form pieces."""

import unicodedata

from flask_wtf import FlaskForm
from wtforms import ValidationError


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
            raise ValidationError("Contains characters that are not allowed.")


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value
