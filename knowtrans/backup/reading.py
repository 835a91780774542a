"""Reading an export file: its JSON, with the limits a file from anywhere needs, its header,
and the Python value of each field.

``parse_export`` refuses in one line what is not JSON (not UTF-8, a key twice in an object,
NaN, a number of more than 1000 digits, nesting too deep for the parser); ``check_header``
what is no export of this or an older knowtrans.
"""

import base64
import json
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from knowtrans.backup.errors import ImportRefused
from knowtrans.backup.messages import show
from knowtrans.backup.schema import FORMAT, FORMAT_VERSION, base_type


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
    if (
        isinstance(version, int | float)
        and not isinstance(version, bool)
        and (version > FORMAT_VERSION)
    ):  # JSON Schema takes 2.0 for the integer 2
        raise ImportRefused(
            f"The file has format version {show(version)}; this knowtrans reads up to "
            f"{FORMAT_VERSION}. Import it with a newer knowtrans."
        )


def from_json(column: sa.Column, value: Any) -> Any:
    """The Python value of an exported field (the file was validated against the schema)."""
    if value is None:
        return None
    column_type = base_type(column)
    if isinstance(column_type, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, sa.Date):
        return date.fromisoformat(value)
    if isinstance(column_type, sa.LargeBinary):
        return base64.b64decode(value)
    if isinstance(column_type, sa.Integer):
        return int(value)  # JSON allows 7.0 for 7
    return value
