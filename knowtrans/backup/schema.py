"""The export file's format: a JSON Schema derived from the models, and the checks it cannot make.

The schema is built from the SQLAlchemy metadata (one list of rows per table, a row an object
of the table's columns), so it cannot drift from the models; ``docs/export-format.schema.json``
is its committed copy. Import reads a file with ``parse_export`` and refuses it with every
problem found by ``file_problems``, one line each, before it writes anything.
"""

import base64
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

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
DATE_EXAMPLE = "2026-01-31"
DATETIME_EXAMPLE = "2026-01-31T09:30:00+00:00"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class ImportRefused(Exception):
    """The file cannot be restored here; the message says why."""


class FileProblems(ImportRefused):
    """The file breaks the format: one line per problem, ``where: what``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


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


def _unwrap(column_type: sa.types.TypeEngine) -> sa.types.TypeEngine:
    if isinstance(column_type, sa.types.TypeDecorator):
        return column_type.impl
    return column_type


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
    column_type = _unwrap(column.type)
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


def _tables() -> list[sa.Table]:
    return list(db.metadata.sorted_tables)


@cache
def export_schema() -> dict[str, Any]:
    """The JSON Schema of an export file (Draft 2020-12)."""
    names = sorted(table.name for table in _tables())
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


def _checks_format(parse: Callable[[str], Any]) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return not isinstance(value, str) or parse(value) is not None

    return check


@cache
def _validator() -> Draft202012Validator:
    formats = FormatChecker(formats=())
    formats.checks("date", raises=ValueError)(_checks_format(date.fromisoformat))
    formats.checks("date-time", raises=ValueError)(_checks_format(datetime.fromisoformat))
    return Draft202012Validator(export_schema(), format_checker=formats)


# reading a file


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"an object has the key {show(key)} twice")
            seen.add(key)
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _parse_int(text: str) -> int:
    if len(text) > 1000:  # far beyond any column; int() refuses from 4300 digits on
        raise ValueError(f"a number of {len(text)} digits")
    return int(text)


def parse_export(raw: bytes) -> Any:
    """The file's JSON, or a one-line refusal (not UTF-8, not JSON, a key twice in an object)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"not a JSON export: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    try:
        return json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_refuse_constant,
            parse_int=_parse_int,
        )
    except RecursionError:
        raise ImportRefused("not a JSON export: nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, a key twice, NaN, a huge number
        raise ImportRefused(f"not a JSON export: {error}") from None


def check_header(data: Any) -> None:
    """One-line refusals for a file that is no export of this or an older knowtrans."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRefused("This is not a knowtrans export file.")
    version = data.get("format_version")
    is_number = isinstance(version, int | float) and not isinstance(version, bool)
    if is_number and version > FORMAT_VERSION:  # JSON Schema takes 2.0 for the integer 2
        raise ImportRefused(
            f"The file has format version {show(version)}; this knowtrans reads up to "
            f"{FORMAT_VERSION}. Import it with a newer knowtrans."
        )


# describing problems


def show(value: Any) -> str:
    """A value as it may appear in a message: short, ASCII, no control characters."""
    if isinstance(value, str):
        text = json.dumps(value[:40])
        return f"{text}..." if len(value) > 40 else text
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        digits = str(abs(value))
        return str(value) if len(digits) <= 20 else f"a number of {len(digits)} digits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        return f"an object with {len(value)} field{'' if len(value) == 1 else 's'}"
    return type(value).__name__


def _field(where: str, key: str) -> str:
    """``where.key``, or ``where["odd key"]`` for a key that is no identifier."""
    if not _IDENTIFIER.fullmatch(key):
        return f"{where}[{show(key)}]"
    return f"{where}.{key}" if where else key


def _record_label(table_name: Any, record: Any) -> str:
    table = db.metadata.tables.get(table_name) if isinstance(table_name, str) else None
    if table is None or not isinstance(record, dict):
        return ""
    parts = []
    for column in table.primary_key.columns:
        value = record.get(column.name)
        if not isinstance(value, int | str) or isinstance(value, bool):
            return ""
        parts.append(f"{column.name} {show(value)}")
    return f" ({', '.join(parts)})"


def location(data: Any, path: list[Any]) -> str:
    """``tables.users[3] (id 4).email``: where in the file, with the record's primary key."""
    text = ""
    node = data
    for depth, key in enumerate(path):
        text = f"{text}[{key}]" if isinstance(key, int) else _field(text, key)
        node = node[key]
        if depth == 2 and path[0] == "tables":
            text += _record_label(path[1], node)
    return text


def expected(schema: dict[str, Any]) -> str:
    if "const" in schema:
        return show(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(show(value) for value in schema["enum"])
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    described = [_expected_type(kind, schema) for kind in types if kind != "null"]
    if "null" in types:
        described.append("null")
    return " or ".join(described)


def _expected_type(kind: str, schema: dict[str, Any]) -> str:
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return f"an integer from {low} to {high}"
        return f"an integer of at least {low}" if low is not None else "an integer"
    if kind == "boolean":
        return "true or false"
    if kind == "array":
        return "a list of records"
    if kind == "object":
        return "a record (an object)" if "required" in schema else "an object"
    if schema.get("format") == "date":
        return f"a date like {DATE_EXAMPLE}"
    if schema.get("format") == "date-time":
        return f"a UTC time like {DATETIME_EXAMPLE}"
    if schema.get("contentEncoding") == "base64":
        return "base64 data"
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low is not None and low == high:
        size = f" of {high} characters"
    elif high is not None:
        size = f" of at most {high} characters"
    else:
        size = ""
    return f"text{size} without control characters or bidi overrides"


def _got(error: ValidationError) -> str:
    value = error.instance
    if isinstance(value, str):
        if error.validator in ("maxLength", "minLength"):
            return f"text of {len(value)} characters"
        if error.validator == "pattern" and error.validator_value == text_pattern():
            refused = ((i, ch) for i, ch in enumerate(value) if is_forbidden_character(ch))
            if found := next(refused, None):
                index, ch = found
                return f"text with U+{ord(ch):04X} ({_char_name(ch)}) at character {index + 1}"
    return show(value)


def _char_name(ch: str) -> str:
    if unicodedata.category(ch) == "Cs":
        return "a lone surrogate"
    return unicodedata.name(ch, "a control character")


def _schema_problems(data: Any) -> Iterator[tuple[list[Any], str]]:
    done: set[tuple[Any, ...]] = set()
    for error in _validator().iter_errors(data):
        path = list(error.absolute_path)
        where = location(data, path)
        if error.validator == "required":
            properties = error.schema.get("properties", {})
            for name in error.validator_value:
                if name not in error.instance and (*path, name) not in done:
                    done.add((*path, name))
                    what = f"missing, expected {expected(properties[name])}"
                    yield [*path, name], f"{_field(where, name)}: {what}"
        elif error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            what = "table" if path == ["tables"] else "field"
            for key in error.instance:
                if key not in known:
                    yield [*path, key], f"{_field(where, key)}: unknown {what}"
        elif tuple(path) not in done:
            done.add(tuple(path))
            yield path, f"{where}: expected {expected(error.schema)}, got {_got(error)}"


def from_json(column: sa.Column, value: Any) -> Any:
    """The Python value of an exported field (the file was validated against the schema)."""
    if value is None:
        return None
    column_type = _unwrap(column.type)
    if isinstance(column_type, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, sa.Date):
        return date.fromisoformat(value)
    if isinstance(column_type, sa.LargeBinary):
        return base64.b64decode(value)
    if isinstance(column_type, sa.Integer):
        return int(value)  # JSON allows 7.0 for 7
    return value


def _reference_problems(data: dict[str, Any]) -> Iterator[tuple[list[Any], str]]:
    """What a schema cannot say: unique keys, references to rows of the file, row checks."""
    tables: dict[str, list[dict[str, Any]]] = data["tables"]
    for table in _tables():
        rows = tables.get(table.name, [])
        key_columns = [[column.name for column in table.primary_key.columns]]
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                key_columns.append([column.name for column in constraint.columns])
        for index in table.indexes:
            if index.unique and all(isinstance(e, sa.Column) for e in index.expressions):
                key_columns.append([column.name for column in index.expressions])
        for columns in key_columns:
            yield from _duplicates(data, table, rows, columns)
        for foreign_key in table.foreign_key_constraints:
            yield from _dangling(data, table, rows, foreign_key, tables)
        for check in table_checks(table).rows:
            yield from _failed_row_checks(data, table, rows, check)


def _failed_row_checks(
    data: dict[str, Any], table: sa.Table, rows: list[dict[str, Any]], check: RowCheck
) -> Iterator[tuple[list[Any], str]]:
    for number, row in enumerate(rows):
        left, right = row.get(check.left), row.get(check.right)
        if check.operator == TOGETHER:
            if (left is None) != (right is None):
                path = ["tables", table.name, number]
                yield (
                    path,
                    (
                        f"{location(data, path)}: expected {check.left} and {check.right} both "
                        f"set or both null, got {check.left} {show(left)} and "
                        f"{check.right} {show(right)}"
                    ),
                )
            continue
        if left is None or right is None:
            continue  # a CHECK passes on NULL
        if check.holds(
            from_json(table.c[check.left], left), from_json(table.c[check.right], right)
        ):
            continue
        path = ["tables", table.name, number]
        yield (
            path,
            (
                f"{location(data, path)}: expected {check.left} {check.operator} {check.right}, "
                f"got {check.left} {show(left)} and {check.right} {show(right)}"
            ),
        )


def _place(data: Any, path: list[Any], columns: list[str]) -> tuple[list[Any], str]:
    """A record's one column (``….email``), or the record itself for several columns."""
    if len(columns) == 1:
        return [*path, columns[0]], f"{location(data, path)}.{columns[0]}"
    return path, location(data, path)


def _values(names: list[str], values: tuple[Any, ...]) -> tuple[str, str]:
    """``id``/``7``, or ``(a, b)``/``(1, 2)`` for several columns."""
    if len(names) == 1:
        return names[0], show(values[0])
    return f"({', '.join(names)})", f"({', '.join(show(value) for value in values)})"


def _duplicates(
    data: dict[str, Any], table: sa.Table, rows: list[dict[str, Any]], columns: list[str]
) -> Iterator[tuple[list[Any], str]]:
    first: dict[tuple[Any, ...], int] = {}
    for number, row in enumerate(rows):
        key = tuple(row.get(name) for name in columns)
        if None in key:
            continue  # NULLs never collide
        if key not in first:
            first[key] = number
            continue
        path, where = _place(data, ["tables", table.name, number], columns)
        names, got = _values(columns, key)
        other = location(data, ["tables", table.name, first[key]])
        what = "a value" if len(columns) == 1 else f"values of {names}"
        yield path, f"{where}: expected {what} no other record has, got {got}, as in {other}"


def _dangling(
    data: dict[str, Any],
    table: sa.Table,
    rows: list[dict[str, Any]],
    foreign_key: sa.ForeignKeyConstraint,
    tables: dict[str, list[dict[str, Any]]],
) -> Iterator[tuple[list[Any], str]]:
    local = [column.name for column in foreign_key.columns]
    remote = [element.column.name for element in foreign_key.elements]
    referred = foreign_key.referred_table.name
    present = {tuple(row.get(name) for name in remote) for row in tables.get(referred, [])}
    for number, row in enumerate(rows):
        key = tuple(row.get(name) for name in local)
        if None in key or key in present:
            continue
        path, where = _place(data, ["tables", table.name, number], local)
        names, got = _values(remote, key)
        yield (
            path,
            (
                f"{where}: expected the {names} of a record in {referred}, got {got}, "
                "which is not in the file"
            ),
        )


def _sort_key(path: list[Any]) -> tuple[Any, ...]:
    """The header first, then tables in foreign-key order (a cause before its consequences),
    then records in file order."""
    rest = tuple((0, key) if isinstance(key, int) else (1, str(key)) for key in path)
    if len(path) < 2 or path[0] != "tables":
        return (0, 0, rest)
    order = {table.name: number for number, table in enumerate(_tables())}
    return (1, order.get(path[1], len(order)), rest)


def file_problems(data: Any) -> list[str]:
    """Every problem of the file, one line each; keys and references are checked once the
    file has the schema's shape."""
    problems = list(_schema_problems(data))
    if not problems:
        problems = list(_reference_problems(data))
    return [line for _, line in sorted(problems, key=lambda problem: _sort_key(problem[0]))]
