"""The export file's JSON Schema, derived from the models.

The schema is built from the SQLAlchemy metadata (one list of rows per table, a row an object
of the table's columns), so it cannot drift from the models; ``docs/export-format.schema.json``
is its committed copy. The CHECK constraints it understands are read here too: those on one
column become bounds in the schema, those comparing two columns of a row become ``RowCheck``s
that ``knowtrans.backup.checks`` applies to a file.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa

import knowtrans.models  # noqa: F401  (the schema needs every table)
from knowtrans.core.forms import BIDI_CONTROLS, is_forbidden_character
from knowtrans.extensions import db

FORMAT = "knowtrans-export"
#: raise when the meaning of an exported field changes; imports refuse newer versions
FORMAT_VERSION = 1
#: PostgreSQL's integer: the bound of every integer column
MAX_INTEGER = 2**31 - 1

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: what export writes for a UTC timestamp: seconds, microseconds when not zero, +00:00
DATETIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?\+00:00$"
BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


#: caches, not records: a restored installation builds its drafts again when asked
NOT_EXPORTED = frozenset({"report_builds", "change_counters"})


def tables_in_order() -> list[sa.Table]:
    """Every table of the record, in foreign-key order: a table after those it refers to."""
    return [table for table in db.metadata.sorted_tables if table.name not in NOT_EXPORTED]


def _forbidden_ranges() -> list[tuple[int, int]]:
    """The characters ``is_forbidden_character`` refuses, as ranges (control characters and
    surrogates exist in the first plane only; the bidi controls are added wherever they are)."""
    forbidden = sorted(
        {cp for cp in range(0x10000) if is_forbidden_character(chr(cp))}
        | {ord(ch) for ch in BIDI_CONTROLS}
    )
    ranges: list[tuple[int, int]] = []
    for cp in forbidden:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return ranges


def _regex_char(cp: int) -> str:
    if cp > 0xFFFF:
        raise ValueError(f"U+{cp:X} cannot be written as a \\u escape for the schema")
    return f"\\u{cp:04x}"


@cache
def text_pattern() -> str:
    """Text without NUL, other control characters (tab, CR and LF stay) or bidi overrides."""
    parts = "".join(
        _regex_char(low) if low == high else f"{_regex_char(low)}-{_regex_char(high)}"
        for low, high in _forbidden_ranges()
    )
    return f"^[^{parts}]*$"


def base_type(column: sa.Column) -> sa.types.TypeEngine:
    """The column's type, or the type a ``TypeDecorator`` on it stores."""
    if isinstance(column.type, sa.types.TypeDecorator):
        return column.type.impl_instance
    return column.type


def is_key(column: sa.Column) -> bool:
    return column.primary_key or bool(column.foreign_keys)


def is_required(column: sa.Column) -> bool:
    """Primary keys, and columns that are neither nullable nor have a default."""
    if column.primary_key:
        return True
    return not column.nullable and column.default is None and column.server_default is None


# CHECK constraints in the few shapes the models use; others are left to the database
_BETWEEN = re.compile(r"(?:(\w+) IS NULL OR )?(\w+) BETWEEN (-?\d+) AND (-?\d+)")
_ABOVE = re.compile(r"(\w+) (>|>=) (-?\d+)")
_LENGTH = re.compile(r"length\((\w+)\) = (\d+)")
_COMPARE = re.compile(r"(\w+) (>=|<=|>|<) (\w+)")
_TOGETHER = re.compile(
    r"\((\w+) IS NULL AND (\w+) IS NULL\) OR \((\w+) IS NOT NULL AND (\w+) IS NOT NULL\)"
)
#: RowCheck's operator for two columns that are null together or set together
TOGETHER = "together"


@dataclass(frozen=True)
class RowCheck:
    """A CHECK constraint comparing two columns of one row, e.g. end date ≥ start date, or
    requiring both to be set or neither (operator TOGETHER)."""

    name: str
    left: str
    operator: str
    right: str

    def holds(self, left: Any, right: Any) -> bool:
        return {
            ">=": left >= right,
            "<=": left <= right,
            ">": left > right,
            "<": left < right,
        }[self.operator]


@dataclass
class TableChecks:
    #: JSON Schema keywords per column, from CHECK constraints on one column
    bounds: dict[str, dict[str, int]]
    rows: list[RowCheck]
    #: CHECK constraints not understood here (the database still enforces them)
    unrecognised: list[str]


def table_checks(table: sa.Table) -> TableChecks:
    checks = TableChecks(bounds={}, rows=[], unrecognised=[])
    for constraint in table.constraints:
        if not isinstance(constraint, sa.CheckConstraint):
            continue
        text = " ".join(str(constraint.sqltext).split())
        if (match := _BETWEEN.fullmatch(text)) and match[1] in (None, match[2]):
            checks.bounds.setdefault(match[2], {}).update(
                minimum=int(match[3]), maximum=int(match[4])
            )
        elif match := _ABOVE.fullmatch(text):
            low = int(match[3]) + (1 if match[2] == ">" else 0)
            checks.bounds.setdefault(match[1], {})["minimum"] = low
        elif match := _LENGTH.fullmatch(text):
            checks.bounds.setdefault(match[1], {}).update(
                minLength=int(match[2]), maxLength=int(match[2])
            )
        elif (match := _TOGETHER.fullmatch(text)) and match.group(1, 2) == match.group(3, 4):
            name = str(constraint.name or text)
            checks.rows.append(RowCheck(name, match[1], TOGETHER, match[2]))
        elif (match := _COMPARE.fullmatch(text)) and {match[1], match[3]} <= set(table.c.keys()):
            name = str(constraint.name or text)
            checks.rows.append(RowCheck(name, match[1], match[2], match[3]))
        else:
            checks.unrecognised.append(f"{table.name}: {text}")
    return checks


def column_schema(column: sa.Column, bounds: dict[str, int] | None = None) -> dict[str, Any]:
    column_type = base_type(column)
    schema: dict[str, Any]
    if isinstance(column_type, sa.Enum):
        values: list[Any] = list(column_type.enums)
        return {"enum": [*values, None] if column.nullable else values}
    if isinstance(column_type, sa.Boolean):
        schema = {"type": "boolean"}
    elif isinstance(column_type, sa.Integer):
        schema = {"type": "integer", "minimum": 1 if is_key(column) else 0, "maximum": MAX_INTEGER}
    elif isinstance(column_type, sa.DateTime):
        schema = {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN}
    elif isinstance(column_type, sa.Date):
        schema = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    elif isinstance(column_type, sa.LargeBinary):
        schema = {"type": "string", "contentEncoding": "base64", "pattern": BASE64_PATTERN}
    elif isinstance(column_type, sa.String):
        schema = {"type": "string", "pattern": text_pattern()}
        if column_type.length:
            schema["maxLength"] = column_type.length
    else:
        raise TypeError(f"{column.table.name}.{column.name}: no JSON type for {column.type!r}")
    schema.update(bounds or {})
    if column.nullable:
        schema["type"] = [schema["type"], "null"]
    return schema


def table_schema(table: sa.Table) -> dict[str, Any]:
    bounds = table_checks(table).bounds
    columns = sorted(table.columns, key=lambda column: column.name)
    return {
        "type": "object",
        "properties": {
            column.name: column_schema(column, bounds.get(column.name)) for column in columns
        },
        "required": [column.name for column in columns if is_required(column)],
        "additionalProperties": False,
    }


@cache
def export_schema() -> dict[str, Any]:
    """The JSON Schema of an export file (Draft 2020-12)."""
    names = sorted(table.name for table in tables_in_order())
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "knowtrans export",
        "description": (
            "Every record of a knowtrans database: one list of rows per table, a row an object "
            "of the table's columns. Integers are within 0..2^31-1 (ids from 1); timestamps are "
            "UTC; binary data is base64; text has no control characters other than tab, CR and "
            "LF and no bidi overrides or isolates. Not expressed here and checked by import: "
            "primary and unique keys are unique, every reference names a row of the file, and "
            "two-column CHECK constraints hold. Derived from the models by "
            "`knowtrans export-schema`."
        ),
        "type": "object",
        "properties": {
            "format": {"const": FORMAT},
            "format_version": {"type": "integer", "minimum": 1},
            "with_secrets": {"type": "boolean"},
            "tables": {
                "type": "object",
                "properties": {
                    name: {"type": "array", "items": {"$ref": f"#/$defs/{name}"}} for name in names
                },
                "additionalProperties": False,
            },
        },
        "required": ["format", "format_version", "with_secrets", "tables"],
        "additionalProperties": False,
        "$defs": {name: table_schema(db.metadata.tables[name]) for name in names},
    }


def schema_text() -> str:
    """The schema as committed in docs/export-format.schema.json."""
    return json.dumps(export_schema(), indent=2, ensure_ascii=True) + "\n"
