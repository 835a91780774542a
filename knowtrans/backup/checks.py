"""Checking an export file: every problem it has, one line each, before import writes a row.

First against the JSON Schema (``knowtrans.backup.schema``); once the file has the schema's
shape, for what a schema cannot say: primary and unique keys are unique, every reference names
a row of the file, and the two-column CHECK constraints hold. Problems come sorted: the header
first, then tables in foreign-key order (a cause before its consequences), records in file order.
"""

from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from jsonschema import Draft202012Validator, FormatChecker

from knowtrans.backup.messages import expected, field, got, key_values, location, place, show
from knowtrans.backup.reading import from_json
from knowtrans.backup.schema import (
    TOGETHER,
    RowCheck,
    export_schema,
    table_checks,
    tables_in_order,
)


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
                    yield [*path, name], f"{field(where, name)}: {what}"
        elif error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            what = "table" if path == ["tables"] else "field"
            for key in error.instance:
                if key not in known:
                    yield [*path, key], f"{field(where, key)}: unknown {what}"
        elif tuple(path) not in done:
            done.add(tuple(path))
            yield path, f"{where}: expected {expected(error.schema)}, got {got(error)}"


def _reference_problems(data: dict[str, Any]) -> Iterator[tuple[list[Any], str]]:
    """What a schema cannot say: unique keys, references to rows of the file, row checks."""
    tables: dict[str, list[dict[str, Any]]] = data["tables"]
    for table in tables_in_order():
        rows = tables.get(table.name, [])
        key_columns = [[column.name for column in table.primary_key.columns]]
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                key_columns.append([column.name for column in constraint.columns])
        for index in table.indexes:
            indexed = [e for e in index.expressions if isinstance(e, sa.Column)]
            if index.unique and len(indexed) == len(index.expressions):
                key_columns.append([column.name for column in indexed])
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
        path, where = place(data, ["tables", table.name, number], columns)
        names, found = key_values(columns, key)
        other = location(data, ["tables", table.name, first[key]])
        what = "a value" if len(columns) == 1 else f"values of {names}"
        yield path, f"{where}: expected {what} no other record has, got {found}, as in {other}"


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
        path, where = place(data, ["tables", table.name, number], local)
        names, found = key_values(remote, key)
        yield (
            path,
            (
                f"{where}: expected the {names} of a record in {referred}, got {found}, "
                "which is not in the file"
            ),
        )


def _sort_key(path: list[Any]) -> tuple[Any, ...]:
    """The header first, then tables in foreign-key order (a cause before its consequences),
    then records in file order."""
    rest = tuple((0, key) if isinstance(key, int) else (1, str(key)) for key in path)
    if len(path) < 2 or path[0] != "tables":
        return (0, 0, rest)
    order = {table.name: number for number, table in enumerate(tables_in_order())}
    return (1, order.get(path[1], len(order)), rest)


def file_problems(data: Any) -> list[str]:
    """Every problem of the file, one line each; keys and references are checked once the
    file has the schema's shape."""
    problems = list(_schema_problems(data))
    if not problems:
        problems = list(_reference_problems(data))
    return [line for _, line in sorted(problems, key=lambda problem: _sort_key(problem[0]))]
