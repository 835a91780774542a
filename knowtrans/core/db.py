"""Declarative base, naming convention and column types shared by every model."""

import enum
from datetime import UTC
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from knowtrans.core.clock import utcnow

__all__ = ["NAMING_CONVENTION", "Base", "UTCDateTime", "enum_type", "utcnow"]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class HasId(Protocol):
    """Any stored object: what core needs to know of a feature's model (e.g. a user)."""

    id: int


class Stored(Protocol):
    """A row of a table with an integer id: what audit events and conflict notices name."""

    __tablename__: str
    id: int


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


@sa.event.listens_for(sa.Table, "after_parent_attach")
def _ids_never_reused(table: sa.Table, parent: object) -> None:
    """SQLite otherwise gives a new row the id of the last row deleted, and a form or URL of
    the deleted row would then edit the new one (PostgreSQL's sequences never hand out an
    id twice). AUTOINCREMENT for every table of the app's models."""
    if parent is Base.metadata:
        table.dialect_options["sqlite"]["autoincrement"] = True


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite stores it naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_type(enum_cls: type[enum.Enum]) -> sa.Enum:
    """Store an enum by its value in a plain string column."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def init_sqlite_pragmas(engine: sa.Engine) -> None:
    """On SQLite: foreign keys enforced, WAL for concurrent readers, waiting rather than
    failing when another connection writes."""
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")  # in-memory databases keep their own mode
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
