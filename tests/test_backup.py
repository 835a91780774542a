"""Export every record and restore it into an empty database; refuse broken files."""

import copy
import hashlib
import json
import os
import re
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from knowtrans.audit.models import AuditEvent
from knowtrans.backup.operations import WITHHELD, database_is_empty, export_data
from knowtrans.backup.schema import FORMAT_VERSION, schema_text, table_checks, tables_in_order
from knowtrans.core.clock import utcnow
from knowtrans.core.forms import is_forbidden_character
from knowtrans.engagements.models import EngagementStatus
from knowtrans.extensions import db as _db
from knowtrans.learning.models import EvidenceLink, OpenQuestion
from knowtrans.reports.models import HandoverReport
from knowtrans.users.models import Role, User
from tests.conftest import PASSWORD, Browser
from tests.rules import breaches

ROOT = Path(__file__).resolve().parents[1]


def wipe():
    _db.session.remove()
    with _db.engine.begin() as connection:
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())


def close_one(login_as, make_user, make_engagement, make_plan_item, make_assignment):
    engagement = make_engagement(status=EngagementStatus.HANDOVER)
    make_assignment(plan_item=make_plan_item(engagement=engagement))
    browser = login_as(make_user(Role.CTO))
    response = browser.post(
        f"/engagements/{engagement.id}/close", {"justification": "Accepted", "confirm": "y"}
    )
    assert response.status_code == 302


def test_export_import_export_gives_the_same_file(
    app, db, tmp_path, login_as, make_user, make_engagement, make_plan_item, make_assignment
):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--password", PASSWORD]).exit_code == 0
    close_one(login_as, make_user, make_engagement, make_plan_item, make_assignment)
    first, second = tmp_path / "first.json", tmp_path / "second.json"

    result = runner.invoke(args=["export", "--out", str(first), "--with-secrets"])
    assert result.exit_code == 0, result.output
    data = json.loads(first.read_text(encoding="utf-8"))
    assert data["format_version"] == FORMAT_VERSION
    # the committed schema describes a real export, read by any JSON Schema validator
    schema = json.loads((ROOT / "docs" / "export-format.schema.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(data)) == []
    # the demo's closed engagement and the one closed here
    assert len(data["tables"]["handover_reports"]) == 2
    assert all(report["pdf"] for report in data["tables"]["handover_reports"])

    wipe()
    result = runner.invoke(args=["import", str(first)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["export", "--out", str(second), "--with-secrets"]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    assert breaches() == [], "what the operations wrote keeps their rules when restored"

    # the restored database works: sign in, and new rows get fresh ids
    user = db.session.scalar(sa.select(User).where(User.email == "helena.brandt@example.com"))
    browser = Browser(app.test_client())
    browser.login(user)
    assert browser.get("/engagements").status_code == 200
    report = db.session.scalar(sa.select(HandoverReport))
    download = browser.get(f"/engagements/{report.engagement_id}/report/final")
    assert download.headers["X-Content-SHA256"] == report.sha256
    newcomer = make_user(Role.STAFF)
    assert newcomer.id > max(row["id"] for row in data["tables"]["users"])


def test_password_hashes_stay_out_unless_asked_for(app, db, tmp_path, make_user):
    email = make_user(Role.ADMIN).email
    out = tmp_path / "plain.json"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["export", "--out", str(out)]).exit_code == 0
    (row,) = json.loads(out.read_text())["tables"]["users"]
    assert row["password_hash"] == WITHHELD
    wipe()
    result = runner.invoke(args=["import", str(out)])
    assert result.exit_code == 0
    assert "an admin sets new passwords" in result.output
    response = Browser(app.test_client()).post("/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 200  # no usable password until an admin sets one


def test_import_refuses_a_non_empty_database(app, db, tmp_path, make_user):
    make_user()
    out = tmp_path / "x.json"
    runner = app.test_cli_runner()
    runner.invoke(args=["export", "--out", str(out)])
    result = runner.invoke(args=["import", str(out)])
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_import_refuses_a_newer_format_and_junk(app, db, tmp_path):
    runner = app.test_cli_runner()
    newer = tmp_path / "newer.json"
    newer.write_text(
        json.dumps({"format": "knowtrans-export", "format_version": FORMAT_VERSION + 1})
    )
    result = runner.invoke(args=["import", str(newer)])
    assert result.exit_code != 0
    assert "newer knowtrans" in result.output
    junk = tmp_path / "junk.json"
    junk.write_text("not json at all")
    result = runner.invoke(args=["import", str(junk)])
    assert result.exit_code != 0
    assert "not a JSON export" in result.output


# the file's format: a schema derived from the models, validated before the first write


def test_the_committed_schema_is_the_one_the_models_give(app):
    committed = (ROOT / "docs" / "export-format.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), (
        "knowtrans export-schema --out docs/export-format.schema.json"
    )
    Draft202012Validator.check_schema(json.loads(committed))
    result = app.test_cli_runner().invoke(args=["export-schema"])
    assert result.exit_code == 0
    assert result.output == committed


def test_every_check_constraint_is_part_of_the_format(app):
    """A CHECK constraint of a new shape shows up here, not as a database error at import."""
    tables = _db.metadata.sorted_tables
    assert [line for table in tables for line in table_checks(table).unrecognised] == []


@pytest.fixture
def small_export(db, make_user, make_entry, make_confirmation):
    """A valid export with a row in every table; the database is left empty."""
    cto = make_user(Role.CTO)
    entry = make_entry()
    assignment = entry.assignment
    engagement = assignment.plan_item.engagement
    make_confirmation(assignment, 3, engagement.expert)
    pdf = b"%PDF-1.7 a stand-in"
    db.session.add_all(
        [
            EvidenceLink(entry_id=entry.id, position=0, url="https://wiki.example.com/runbook"),
            OpenQuestion(
                entry_id=entry.id,
                text="Who rotates it?",
                resolved_at=utcnow(),
                resolved_by_id=cto.id,
            ),
            HandoverReport(
                engagement_id=engagement.id,
                identifier="KT-00001-F-20260131T093000Z",
                generated_by_id=cto.id,
                page_count=1,
                sha256=hashlib.sha256(pdf).hexdigest(),
                size=len(pdf),
                pdf=pdf,
            ),
            AuditEvent(
                actor_id=cto.id,
                action="engagement.close",
                object_type="engagements",
                object_id=engagement.id,
                engagement_id=engagement.id,
            ),
        ]
    )
    db.session.commit()
    data = export_data(with_secrets=True)
    assert all(data["tables"].values()), "a row in every table"
    wipe()
    return data


def import_file(app, path, data=None):
    if data is not None:
        path.write_text(json.dumps(data), encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import", str(path)])


def refusal(result, path) -> tuple[list[str], str]:
    """A refused import's problem lines and its last line, without the file name."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    *lines, last = result.stderr.splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    assert last.startswith(f"Error: {path}: "), last
    assert database_is_empty(), "a refused import writes nothing"
    return [line.removeprefix(f"{path}: ") for line in lines], last.removeprefix(f"Error: {path}: ")


def problems(app, path, data) -> list[str]:
    lines, last = refusal(import_file(app, path, data), path)
    count = len(lines)
    assert last == f"nothing was imported ({count} problem{'' if count == 1 else 's'})."
    return lines


def where(data, table, index=0):
    return f"tables.{table}[{index}] (id {data['tables'][table][index]['id']})"


TEXT = "without control characters or bidi overrides"


def field(table, name, value, index=0):
    def mutate(data):
        data["tables"][table][index][name] = value
        return f"{where(data, table, index)}.{name}"

    return mutate


def header(name, value):
    def mutate(data):
        data[name] = value
        return name

    return mutate


def remove(table, name):
    def mutate(data):
        del data["tables"][table][0][name]
        return f"{where(data, table)}.{name}"

    return mutate


def replace(table, value):
    def mutate(data):
        if table in data["tables"]:
            data["tables"][table][0] = value
            return f"tables.{table}[0]"
        data["tables"][table] = value
        return f"tables.{table}"

    return mutate


def drop_header(data):
    del data["with_secrets"]
    return "with_secrets"


def odd_key(data):
    data["tables"]["users"][0]["\u202ex"] = 1
    return where(data, "users") + '["\\u202ex"]'


def replace_table(data):
    data["tables"]["skills"] = {}
    return "tables.skills"


SCHEMA_CASES = {
    "format_version true": (header("format_version", True), "an integer of at least 1", "true"),
    "format_version -7": (header("format_version", -7), "an integer of at least 1", "-7"),
    "no with_secrets": (drop_header, "missing, expected true or false"),
    "id above 2^31-1": (
        field("users", "id", 2**31),
        "an integer from 1 to 2147483647",
        "2147483648",
    ),
    "reference above 2^31-1": (
        field("engagements", "expert_id", 2**40),
        "an integer from 1 to 2147483647",
        "1099511627776",
    ),
    "negative count": (
        field("users", "session_version", -1),
        "an integer from 0 to 2147483647",
        "-1",
    ),
    "fraction": (field("learning_entries", "minutes", 1.5), "an integer from 1 to 720", "1.5"),
    "check constraint": (field("level_confirmations", "level", 6), "an integer from 1 to 5", "6"),
    "NUL": (
        field("skills", "name", "Ku\x00bernetes"),
        f"text of at most 100 characters {TEXT}",
        "text with U+0000 (a control character) at character 3",
    ),
    "bidi override": (
        field("engagements", "objectives", "\u202egnp.exe"),
        f"text {TEXT}",
        "text with U+202E (RIGHT-TO-LEFT OVERRIDE) at character 1",
    ),
    "bidi isolate": (
        field("users", "name", "Eve\u2066"),
        f"text of at most 120 characters {TEXT}",
        "text with U+2066 (LEFT-TO-RIGHT ISOLATE) at character 4",
    ),
    "lone surrogate": (
        field("learning_entries", "learned", "a\ud800"),
        f"text {TEXT}",
        "text with U+D800 (a lone surrogate) at character 2",
    ),
    "too long": (
        field("users", "email", "a" * 300 + "@example.com"),
        f"text of at most 254 characters {TEXT}",
        "text of 312 characters",
    ),
    "exact length": (
        field("handover_reports", "sha256", "abc"),
        f"text of 64 characters {TEXT}",
        "text of 3 characters",
    ),
    "boolean as 0": (field("skills", "archived", 0), "true or false", "0"),
    "boolean as text": (field("users", "active", "yes"), "true or false", '"yes"'),
    "enum": (
        field("assignments", "phase", "done"),
        'one of "planned", "shadowing", "reverse_shadowing", "independent", "signed_off"',
        '"done"',
    ),
    "impossible date": (
        field("learning_entries", "date", "2026-02-30"),
        "a date like 2026-01-31",
        '"2026-02-30"',
    ),
    "naive timestamp": (
        field("users", "created_at", "2026-01-31T09:30:00"),
        "a UTC time like 2026-01-31T09:30:00+00:00",
        '"2026-01-31T09:30:00"',
    ),
    "nullable timestamp": (
        field("open_questions", "resolved_at", "yesterday"),
        "a UTC time like 2026-01-31T09:30:00+00:00 or null",
        '"yesterday"',
    ),
    "null where not nullable": (
        field("plan_items", "criticality", None),
        'one of "low", "medium", "high", "critical"',
        "null",
    ),
    "base64": (field("handover_reports", "pdf", "not base64!"), "base64 data", '"not base64!"'),
    "nested lists": (
        field("skills", "category", [[["deep"]]]),
        f"text of at most 60 characters {TEXT}",
        "a list of 1 item",
    ),
    "missing field": (remove("learning_entries", "learned"), f"missing, expected text {TEXT}"),
    "record no object": (replace("skills", "Kubernetes"), "a record (an object)", '"Kubernetes"'),
    "table no list": (replace_table, "a list of records", "an object with 0 fields"),
    "unknown field": (field("users", "is_superuser", True), "unknown field"),
    "odd field name": (odd_key, "unknown field"),
    "unknown table": (replace("payroll", []), "unknown table"),
}


@pytest.mark.parametrize("case", SCHEMA_CASES.values(), ids=SCHEMA_CASES)
def test_import_names_each_problem_of_the_file(app, db, tmp_path, small_export, case):
    """(mutation, what) or (mutation, what was expected, what the file has)"""
    mutate, *what = case
    line = what[0] if len(what) == 1 else f"expected {what[0]}, got {what[1]}"
    data = copy.deepcopy(small_export)
    place = mutate(data)
    assert problems(app, tmp_path / "broken.json", data) == [f"{place}: {line}"]


def duplicate_id(data):
    skills = data["tables"]["skills"]
    skills.append({**skills[0], "name": "Another name"})
    place = f"{where(data, 'skills', 1)}.id"
    return f"{place}: expected a value no other record has, got {skills[0]['id']}, as in " + where(
        data, "skills"
    )


def duplicate_email(data):
    users = data["tables"]["users"]
    users[1]["email"] = users[0]["email"]
    got = json.dumps(users[0]["email"])
    return (
        f"{where(data, 'users', 1)}.email: expected a value no other record has, got {got}, "
        f"as in {where(data, 'users')}"
    )


def dangling_reference(data):
    data["tables"]["engagements"][0]["expert_id"] = 4242
    return (
        f"{where(data, 'engagements')}.expert_id: expected the id of a record in users, "
        "got 4242, which is not in the file"
    )


def missing_table(data):
    del data["tables"]["learning_entries"]
    entry_id = data["tables"]["evidence_links"][0]["entry_id"]
    return (
        f"{where(data, 'evidence_links')}.entry_id: expected the id of a record in "
        f"learning_entries, got {entry_id}, which is not in the file"
    )


def end_before_start(data):
    engagement = data["tables"]["engagements"][0]
    engagement["planned_end_date"] = "2000-01-01"
    return (
        f"{where(data, 'engagements')}: expected planned_end_date >= start_date, got "
        f'planned_end_date "2000-01-01" and start_date "{engagement["start_date"]}"'
    )


def hidden_without_reason(data):
    entry = data["tables"]["learning_entries"][0]
    entry["hidden_at"] = "2026-12-01T10:00:00+00:00"
    return (
        f"{where(data, 'learning_entries')}: expected hidden_at and hidden_reason both set or "
        'both null, got hidden_at "2026-12-01T10:00:00+00:00" and hidden_reason null'
    )


@pytest.mark.parametrize(
    "mutate",
    [
        duplicate_id,
        duplicate_email,
        dangling_reference,
        missing_table,
        end_before_start,
        hidden_without_reason,
    ],
)
def test_import_checks_keys_and_references_before_writing(app, db, tmp_path, small_export, mutate):
    data = copy.deepcopy(small_export)
    line = mutate(data)
    lines = problems(app, tmp_path / "broken.json", data)
    assert lines[0] == line
    if mutate is missing_table:  # its open question and confirmation… refer to it as well
        assert all("which is not in the file" in line for line in lines)
    else:
        assert lines == [line]


def test_a_row_the_database_still_refuses_is_one_line(app, db, tmp_path, small_export):
    """Skill names are unique case-insensitively, by an index on lower(name)."""
    data = copy.deepcopy(small_export)
    skills = data["tables"]["skills"]
    skills.append({**skills[0], "id": skills[0]["id"] + 1, "name": skills[0]["name"].upper()})
    (line,) = problems(app, tmp_path / "broken.json", data)
    assert line.startswith("tables.skills: the database refused the rows: ")
    assert "uq_skills_name_lower" in line


def test_import_lists_every_problem_and_shows_fifty(app, db, tmp_path, small_export):
    data = copy.deepcopy(small_export)
    data["format_version"] = "1"
    data["tables"]["users"][0]["email"] = None
    data["tables"]["audit_events"].extend({"id": n, "actoin": "x"} for n in range(100, 130))
    path = tmp_path / "broken.json"
    result = import_file(app, path, data)
    # 1 + 1 + 30 x (action and object_type missing, actoin unknown)
    lines, last = refusal(result, path)
    assert last == "nothing was imported (92 problems)."
    assert len(lines) == 51
    assert lines[:5] == [
        'format_version: expected an integer of at least 1, got "1"',
        f"{where(data, 'users')}.email: expected text of at most 254 characters {TEXT}, got null",
        "tables.audit_events[1] (id 100).action: missing, expected text of at most 60 "
        f"characters {TEXT}",
        "tables.audit_events[1] (id 100).actoin: unknown field",
        "tables.audit_events[1] (id 100).object_type: missing, expected text of at most 40 "
        f"characters {TEXT}",
    ]
    assert lines[50] == "and 42 more problems"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{}", "not a JSON export: not UTF-8 text (invalid start byte at byte 0)"),
        (b"not json at all", "not a JSON export: Expecting value: line 1 column 1 (char 0)"),
        (
            b'{"format": "knowtrans-export", "format": "x"}',
            'not a JSON export: an object has the key "format" twice',
        ),
        (b'{"format_version": NaN}', "not a JSON export: NaN is not a JSON value"),
        (b"[" * 100_000, "not a JSON export: nested too deeply"),
        (b'{"id": ' + b"9" * 5000 + b"}", "not a JSON export: a number of 5000 digits"),
        (b"[]", "This is not a knowtrans export file."),
        (
            b'{"format": "knowtrans-export-2", "format_version": 1}',
            "This is not a knowtrans export file.",
        ),
        (
            b'{"format": "knowtrans-export", "format_version": 2.0}',
            "The file has format version 2.0; this knowtrans reads up to 1. "
            "Import it with a newer knowtrans.",
        ),
    ],
    ids=[
        *("not UTF-8", "not JSON", "key twice", "NaN", "deep", "huge number", "list", "format"),
        "newer as 2.0",
    ],
)
def test_import_refuses_what_is_no_export_in_one_line(app, db, tmp_path, content, message):
    path = tmp_path / "odd.json"
    path.write_bytes(content)
    lines, last = refusal(import_file(app, path), path)
    assert lines == []
    assert last == message


# export files: readable by their owner only


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_export_files_are_readable_by_their_owner_only(app, db, tmp_path, make_user, usual_umask):
    make_user()
    runner = app.test_cli_runner()
    for name, options in (("plain.json", []), ("secrets.json", ["--with-secrets"])):
        result = runner.invoke(args=["export", "--out", str(tmp_path / name), *options])
        assert result.exit_code == 0, result.output
        assert mode(tmp_path / name) == 0o600
    existing = tmp_path / "existing.json"
    existing.write_text("last week's backup")
    existing.chmod(0o644)
    assert runner.invoke(args=["export", "--out", str(existing), "--with-secrets"]).exit_code == 0
    assert mode(existing) == 0o600
    assert json.loads(existing.read_text(encoding="utf-8"))["with_secrets"] is True
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "existing.json",
        "plain.json",
        "secrets.json",
    ]
    nowhere = tmp_path / "missing" / "x.json"
    result = runner.invoke(args=["export", "--out", str(nowhere)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {nowhere}: cannot write it: No such file or directory\n"


# any file: refused in the documented shape, or imported whole


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([-7, 0, 1, 2, 3, 5, 6, 2**31 - 1, 2**31, 2**63]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            *("", "a\x00b", "\u202eevil", "x\u2069", "\ud800", "x" * 300, "AAAA", "!!!"),
            *("2026-02-30", "2026-01-31", "2026-01-31T09:30:00+00:00", "2026-01-31T09:30:00"),
            *("planned", "critical", "cto"),
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
_STRING = r'"(?:[^"\\]|\\.)*"(?:\.\.\.)?'
_STEP = rf'(?:\.[A-Za-z_]\w*|\[\d+\]|\[{_STRING}\]| \((?:[^()"]|{_STRING})*\))'
PROBLEM_LINE = re.compile(
    rf"(?:[A-Za-z_]\w*|\[{_STRING}\]){_STEP}*: "
    r"(?:expected .+, got .+|missing, expected .+|unknown (?:field|table)"
    r"|the database refused the rows: .+)"
    r"|and \d+ more problems"
)
ONE_LINE_REFUSAL = re.compile(
    r"nothing was imported \(\d+ problems?\)\."
    r"|The file has format version \d+; this knowtrans reads up to 1\. "
    r"Import it with a newer knowtrans\."
)


def mutate(export, draw) -> None:
    """Set a random field, header or record to a random JSON value or to another record's
    value of the column; drop a field; copy a record."""
    actions = ["set", "set", "reuse", "reuse", "drop", "copy", "record", "header"]
    action = draw(st.sampled_from(actions))
    tables = export["tables"]
    if action == "header":
        name = draw(st.sampled_from(["format_version", "with_secrets", "tables", "x"]))
        export[name] = draw(VALUES)
        return
    if not isinstance(tables, dict) or not tables:
        return
    name = draw(st.sampled_from(sorted(tables)))
    rows = tables[name]
    if not isinstance(rows, list) or not rows:
        tables[name] = draw(VALUES)
        return
    record = rows[draw(st.integers(0, len(rows) - 1))]
    if action == "record" or not isinstance(record, dict):
        rows[rows.index(record)] = draw(VALUES)
    elif action == "copy":
        ids = [
            row["id"] for row in rows if isinstance(row, dict) and isinstance(row.get("id"), int)
        ]
        rows.append({**record, "id": max(ids, default=0) + 1} if "id" in record else record)
    else:
        field = draw(st.sampled_from([*sorted(record), "extra"]))
        if action == "drop":
            record.pop(field, None)
        elif action == "reuse":
            same_column = [row[field] for row in rows if isinstance(row, dict) and field in row]
            record[field] = draw(st.sampled_from([None, *same_column]))
        else:
            record[field] = draw(VALUES)


@settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(choices=st.data())
def test_a_mutated_export_is_refused_in_the_documented_shape_or_imported_whole(
    app, db, tmp_path, small_export, choices
):
    data = copy.deepcopy(small_export)
    for _ in range(choices.draw(st.integers(1, 3), label="mutations")):
        mutate(data, choices.draw)
    path = tmp_path / "mutated.json"
    result = import_file(app, path, data)
    if result.exit_code == 0:
        imported = sum(
            _db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in tables_in_order()  # the change counters are not records
        )
        assert imported == sum(len(rows) for rows in data["tables"].values())
        event("imported")
        wipe()
        return
    lines, last = refusal(result, path)
    event("refused by the database" if "database refused" in result.stderr else "refused")
    assert ONE_LINE_REFUSAL.fullmatch(last), last
    for line in lines:
        assert PROBLEM_LINE.fullmatch(line), line
        assert not any(is_forbidden_character(ch) for ch in line), line


def test_a_worker_writes_the_same_export_and_the_command_follows_its_progress(
    app, db, tmp_path, make_user, make_skill
):
    for n in range(3):
        make_user(Role.STAFF, email=f"staff{n}@example.com")
        make_skill(f"Skill {n}")
    runner = app.test_cli_runner()
    here, there = tmp_path / "here.json", tmp_path / "there.json"
    assert runner.invoke(args=["export", "--out", str(here)]).exit_code == 0
    result = runner.invoke(args=["export", "--out", str(there), "--in-worker"])
    assert result.exit_code == 0, result.output
    assert "Export sent to the worker" in result.output
    assert "9 of 9 records exported" in result.output  # three users, their roles, three skills
    assert there.read_bytes() == here.read_bytes()
    assert there.stat().st_mode & 0o777 == 0o600


def test_export_reports_its_progress_table_by_table(app, db, make_user, make_skill):
    from knowtrans.backup.operations import export_data

    make_user(Role.STAFF)
    make_skill("Kafka operations")
    seen = []
    export_data(progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3, 3)  # a user, their role, a skill
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert {total for _, total in seen} == {3}
