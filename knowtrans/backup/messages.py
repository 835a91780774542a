"""How a problem is worded: where in the file, what was expected, what was found.

Every line an import prints is built from these, so a value appears the same way in each
(short, ASCII, no control characters) and a place reads like ``tables.users[3] (id 4).email``.
"""

import json
import re
import unicodedata
from typing import Any

from jsonschema.exceptions import ValidationError

from knowtrans.backup.schema import text_pattern
from knowtrans.core.forms import is_forbidden_character
from knowtrans.extensions import db

DATE_EXAMPLE = "2026-01-31"
DATETIME_EXAMPLE = "2026-01-31T09:30:00+00:00"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


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


def field(where: str, key: str) -> str:
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
        text = f"{text}[{key}]" if isinstance(key, int) else field(text, key)
        node = node[key]
        if depth == 2 and path[0] == "tables":
            text += _record_label(path[1], node)
    return text


def expected(schema: dict[str, Any]) -> str:
    """What a part of the schema asks for, in words: ``an integer from 1 to 5 or null``."""
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


def got(error: ValidationError) -> str:
    """What the file has where the schema failed: the value, or what is wrong with the text."""
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


def place(data: Any, path: list[Any], columns: list[str]) -> tuple[list[Any], str]:
    """A record's one column (``….email``), or the record itself for several columns."""
    if len(columns) == 1:
        return [*path, columns[0]], f"{location(data, path)}.{columns[0]}"
    return path, location(data, path)


def key_values(names: list[str], values: tuple[Any, ...]) -> tuple[str, str]:
    """``id``/``7``, or ``(a, b)``/``(1, 2)`` for several columns."""
    if len(names) == 1:
        return names[0], show(values[0])
    return f"({', '.join(names)})", f"({', '.join(show(value) for value in values)})"


def database_reason(error: Exception) -> str:
    """The database's own words for a refusal, on one line, cut after 300 characters."""
    reason = getattr(error, "orig", None) or error
    text = " ".join(str(reason).split())
    return text if len(text) <= 300 else f"{text[:300]}..."
