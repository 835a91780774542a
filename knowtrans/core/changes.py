"""Change counters: a number per engagement, and one for the company's shared data, that
every write raises in its own transaction.

A reader that remembers the numbers knows, with one small query, whether anything it
derived from the data may be out of date: the draft report is found again by them
(``knowtrans.reports.build.draft_stamp``) without gathering the report's data.

Each model says where its changes count in a class attribute ``__changes__``:

- ``None``: nowhere (the audit trail, the reports' own rows);
- ``COMPANY``: the company's shared data (people, skills), which every engagement shows;
- a dotted attribute path from the object to its engagement's id, e.g.
  ``"plan_item.engagement_id"``.

Writes through the ORM are counted when they are flushed; an ORM ``UPDATE``/``DELETE``
statement counts for the company. Whatever cannot be traced to one engagement (an object
without ``__changes__``, a path that cannot be followed) counts for the company too:
a counter raised too often costs a recomputation, one raised too seldom a stale answer.
"""

from collections.abc import Iterable
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from knowtrans.extensions import Model, db

#: the counter of the company's shared data
COMPANY = 0


class ChangeCounter(Model):
    """How often the data of one engagement (or, for ``COMPANY``, the shared data) changed.
    Not exported: it means something only beside the rows it counted."""

    __tablename__ = "change_counters"
    __changes__ = None

    #: the engagement's id, or ``COMPANY`` (no foreign key: counters outlive nothing)
    scope: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def generations(engagement_id: int) -> tuple[int, int]:
    """(company, engagement) counters as this transaction sees them; 0 before the first
    change."""
    rows = dict(
        db.session.execute(
            sa.select(ChangeCounter.scope, ChangeCounter.generation).where(
                ChangeCounter.scope.in_([COMPANY, engagement_id])
            )
        ).all()
    )
    return rows.get(COMPANY, 0), rows.get(engagement_id, 0)


def scope_of(obj: object) -> int | None:
    """The counter a change of ``obj`` raises: an engagement's id, ``COMPANY``, or None."""
    if not hasattr(type(obj), "__changes__"):
        return COMPANY
    path = type(obj).__changes__  # type: ignore[attr-defined]
    if path is None or path == COMPANY:
        return path
    value: Any = obj
    try:
        for name in path.split("."):
            value = getattr(value, name)
    except (AttributeError, sa.exc.SQLAlchemyError):
        return COMPANY
    return value if isinstance(value, int) else COMPANY


def raise_counters(session: "Session | sa.orm.scoped_session[Any]", scopes: Iterable[int]) -> None:
    """Count a change of each scope in the session's transaction; writes through the ORM
    call it themselves, writers past it (bulk inserts) must."""
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = cast("sa.Table", ChangeCounter.__table__)
    for scope in sorted(set(scopes)):  # one order everywhere: no deadlock between writers
        statement = insert(table).values(scope=scope, generation=1)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.scope], set_={"generation": table.c.generation + 1}
            )
        )


@sa.event.listens_for(Session, "after_flush")
def _count_flushed_changes(session: Session, context: Any) -> None:
    changed = [*session.new, *session.deleted]
    changed += [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    scopes = {scope_of(obj) for obj in changed}
    scopes.discard(None)
    if scopes:
        raise_counters(session, scopes)  # type: ignore[arg-type]


@sa.event.listens_for(Session, "do_orm_execute")
def _count_statement_changes(state: sa.orm.ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    if getattr(state.bind_mapper.class_, "__changes__", COMPANY) is None:
        return
    raise_counters(state.session, [COMPANY])
