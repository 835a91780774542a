"""Searching a list by what a person types."""

from typing import Any

import sqlalchemy as sa


def contains(text: str, *columns: Any) -> sa.ColumnElement[bool]:
    """Rows where any of ``columns`` contains ``text``, case-insensitively; ``%`` and ``_``
    in the text are taken literally."""
    return sa.or_(*(column.icontains(text, autoescape=True) for column in columns))
