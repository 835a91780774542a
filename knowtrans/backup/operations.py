"""Export every record to one JSON document, and restore it into an empty database.

The format is generic over the schema: one list of rows per table, in foreign-key order,
rows by primary key, keys sorted, so export → import → export gives the same file. Its JSON
Schema is derived from the models (``knowtrans.backup.schema``); import reads the file
(``knowtrans.backup.reading``) and checks the whole of it against the schema, and what a schema
cannot say (``knowtrans.backup.checks``), before it writes the first row.

Import is a bulk path beside the operations: it restores the rows they wrote, with their ids,
timestamps and versions, and records no audit event of its own (the file's audit trail is
the history). It checks what holds of every row at any time: the schema (types, lengths, enum
values, characters, one-column CHECK bounds), unique keys, references and two-column CHECKs,
then the database's own constraints. It does not apply the operations' rules across rows
again (learners eligible, due dates within the engagement, sign-off at the target level, a
closed engagement's final report): it relies on the file being an export, whose rows the
operations wrote; some of those rules hold at the moment of a change only (a learner may be
deactivated after being assigned), so checking them again would refuse true backups.
"""

import base64
from collections.abc import Callable
from datetime import date, datetime
from itertools import groupby
from typing import Any

import sqlalchemy as sa

from knowtrans.backup.checks import file_problems
from knowtrans.backup.errors import FileProblems, ImportRefused
from knowtrans.backup.messages import database_reason
from knowtrans.backup.reading import check_header, from_json
from knowtrans.backup.schema import FORMAT, FORMAT_VERSION, tables_in_order
from knowtrans.core.maintenance import after_bulk_insert
from knowtrans.extensions import db

#: password hashes are secrets: left out unless asked for; such accounts cannot sign in
SECRET_COLUMNS = {("users", "password_hash")}
WITHHELD = "!withheld"


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if hasattr(value, "value") and not isinstance(value, int | str):  # an enum member
        return value.value
    return value


def export_data(
    *, with_secrets: bool = False, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Every record of every table; ``progress(done, total)`` after each table."""
    tables = {}
    ordered = tables_in_order()
    total = 0
    if progress is not None:
        total = sum(
            db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in ordered
        )
    done = 0
    for table in ordered:
        rows = []
        query = sa.select(table).order_by(*table.primary_key.columns)
        for row in db.session.execute(query).mappings():
            record = {}
            for name, value in row.items():
                if (table.name, name) in SECRET_COLUMNS and not with_secrets:
                    value = WITHHELD
                record[name] = _to_json(value)
            rows.append(record)
        tables[table.name] = rows
        done += len(rows)
        if progress is not None:
            progress(done, max(total, done))
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "with_secrets": with_secrets,
        "tables": tables,
    }


def database_is_empty() -> bool:
    return all(
        db.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is None
        for table in tables_in_order()
    )


def import_data(data: Any) -> dict[str, int]:
    """Restore ``data`` into the empty database; returns rows per table. Flushes only.

    Raises ImportRefused (FileProblems with every problem of the file) before the first
    write; a database that still refuses a row is reported the same way, and the caller
    rolls back.
    """
    check_header(data)
    if problems := file_problems(data):
        raise FileProblems(problems)
    if not database_is_empty():
        raise ImportRefused("The database is not empty; import restores into an empty one only.")
    tables = data["tables"]
    counts = {}
    for table in tables_in_order():
        rows = [
            {name: from_json(table.c[name], value) for name, value in row.items()}
            for row in tables.get(table.name, [])
        ]
        try:
            # rows that leave out the same defaulted columns go in together
            for _, batch in groupby(rows, key=lambda row: tuple(sorted(row))):
                db.session.execute(table.insert(), list(batch))
        except sa.exc.SQLAlchemyError as error:
            raise FileProblems(
                [f"tables.{table.name}: the database refused the rows: {database_reason(error)}"]
            ) from error
        counts[table.name] = len(rows)
    try:
        after_bulk_insert()
    except sa.exc.SQLAlchemyError as error:
        raise ImportRefused(
            f"The database failed after the import: {database_reason(error)}"
        ) from error
    return counts
