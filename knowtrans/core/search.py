"""Searching a list by what a person types."""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from knowtrans.extensions import db

T = TypeVar("T")


def contains(text: str, *columns: Any) -> sa.ColumnElement[bool]:
    """Rows where any of ``columns`` contains ``text``, case-insensitively; ``%`` and ``_``
    in the text are taken literally."""
    return sa.or_(*(column.icontains(text, autoescape=True) for column in columns))


@dataclass(frozen=True)
class Shortlist(Generic[T]):
    """The first rows of a search, and how many rows match in all."""

    rows: list[T]
    total: int

    @property
    def more(self) -> int:
        """How many match beyond the rows shown."""
        return self.total - len(self.rows)


def shortlist(query: sa.Select, limit: int) -> Shortlist[Any]:
    """The first ``limit`` rows of ``query`` (one entity, ordered) and how many it matches,
    in one statement however many match."""
    total = sa.func.count().over().label("total")
    found = db.session.execute(query.add_columns(total).limit(limit)).all()
    return Shortlist([row[0] for row in found], found[0].total if found else 0)
