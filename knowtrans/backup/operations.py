"""Export every record to one JSON document, and restore it into an empty database.

The format is generic over the schema: one list of rows per table, in foreign-key order,
rows by primary key, keys sorted, so export → import → export gives the same file.
"""

import base64
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from knowtrans.core.maintenance import after_bulk_insert
from knowtrans.extensions import db

FORMAT = "knowtrans-export"
#: raise when the meaning of an exported field changes; imports refuse newer versions
FORMAT_VERSION = 1
#: password hashes are secrets: left out unless asked for; such accounts cannot sign in
SECRET_COLUMNS = {("users", "password_hash")}
WITHHELD = "!withheld"


class ImportRefused(Exception):
    """The file cannot be restored here; the message says why."""


def _tables() -> list[sa.Table]:
    return list(db.metadata.sorted_tables)


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if hasattr(value, "value") and not isinstance(value, int | str):  # an enum member
        return value.value
    return value


def _from_json(column: sa.Column, value: Any) -> Any:
    if value is None:
        return None
    column_type = column.type
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl
    if isinstance(column_type, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, sa.Date):
        return date.fromisoformat(value)
    if isinstance(column_type, sa.LargeBinary):
        return base64.b64decode(value)
    return value


def export_data(*, with_secrets: bool = False) -> dict:
    tables = {}
    for table in _tables():
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
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "with_secrets": with_secrets,
        "tables": tables,
    }


def database_is_empty() -> bool:
    return all(
        db.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is None
        for table in _tables()
    )


def import_data(data: dict) -> dict[str, int]:
    """Restore ``data`` into the empty database; returns rows per table. Flushes only."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRefused("This is not a knowtrans export file.")
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ImportRefused(
            f"The file has format version {version}; this knowtrans reads up to "
            f"{FORMAT_VERSION}. Import it with a newer knowtrans."
        )
    if not database_is_empty():
        raise ImportRefused("The database is not empty; import restores into an empty one only.")
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise ImportRefused("The file has no tables.")
    known = {table.name for table in _tables()}
    if unknown := set(tables) - known:
        raise ImportRefused(f"The file has tables this knowtrans does not know: {sorted(unknown)}")
    counts = {}
    for table in _tables():
        rows = tables.get(table.name, [])
        if rows:
            columns = table.columns
            db.session.execute(
                table.insert(),
                [
                    {name: _from_json(columns[name], value) for name, value in row.items()}
                    for row in rows
                ],
            )
        counts[table.name] = len(rows)
    after_bulk_insert()
    return counts
