"""Small reusable form pieces."""

from flask_wtf import FlaskForm
from wtforms import ValidationError


class ConfirmForm(FlaskForm):
    """An empty form: a POST-only button that carries the CSRF token."""


class NoControlCharacters:
    """Refuse NUL and other control characters (newlines and tabs stay allowed)."""

    def __call__(self, form, field) -> None:
        value = field.data
        if isinstance(value, str) and any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
            raise ValidationError("Contains characters that are not allowed.")


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value
