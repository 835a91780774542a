"""Writes that a unique constraint may refuse because another request just took the value."""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from knowtrans.core.errors import Refused
from knowtrans.extensions import db


def is_foreign_key_violation(error: sa.exc.IntegrityError) -> bool:
    """PostgreSQL's SQLSTATE 23503, SQLite's "FOREIGN KEY constraint failed"."""
    if getattr(error.orig, "sqlstate", None) == "23503":
        return True
    return "FOREIGN KEY constraint failed" in str(error.orig)


@contextmanager
def unique_or_refused(message: str, *, field: str | None = None) -> Iterator[None]:
    """Flush the writes of the block; a unique violation (a name or an assignment another
    request has just taken, past the check that came first) becomes ``Refused(message)``.
    The session must then be rolled back, as the request pipeline does."""
    try:
        yield
        db.session.flush()
    except sa.exc.IntegrityError as error:
        if is_foreign_key_violation(error):
            raise
        raise Refused(message, field=field) from None
