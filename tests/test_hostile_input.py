"""Hostile input posted to every form of the app, and thrown at every list's query string.

Each form is posted as the user allowed to use it, on a submission that is otherwise valid
(``FormSpec.valid``; the last request of ``test_refused_values_write_nothing`` proves it is
accepted). One field at a time gets a hostile value. The rules:

- never a 5xx;
- a refused value writes nothing: every table but ``audit_events`` is unchanged, and no text
  column of any table (``audit_events`` included) holds the payload's marker;
- markup that is legitimately stored (a skill may be called ``<script>``) reaches no page
  unescaped.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from flask import url_for
from werkzeug.datastructures import MultiDict

from knowtrans.core.clock import today
from knowtrans.extensions import db as _db
from knowtrans.extensions import limiter
from tests import test_permission_matrix as matrix
from tests.conftest import PASSWORD
from tests.test_permission_matrix import (
    World,
    changed_tables,
    csrf_token,
    database_snapshot,
    signed_in,
)

#: the permission matrix's world: every kind of object, each user's own and others'
world = matrix.world

#: every refused payload carries this marker, so a stored one is found in any column
MARK = "ZQX"
LONG = MARK + "L" * 100_000

TEXT_REFUSED = {
    "100k chars": LONG,
    "NUL byte": MARK + "nul\x00byte",
    "bidi override": MARK + "\u202etxt.exe",
    "terminal escape": MARK + "\x1b[2J",
    "vertical tab": MARK + "\x0bx",
}
NUMBER_REFUSED = {
    "huge": "99999999999999999999999",
    "huge negative": "-99999999999999999999999",
    "negative": "-1",
    "zero": "0",
    "float": "1.5",
    "exponent": "1e3",
    "nan": "nan",
    "infinity": "inf",
    "hex": "0x10",
    "text": MARK + "three",
    "markup": "<script>alert(1)</script>",
    "NUL byte": "1\x00",
    "bidi override": "\u202e1",
    "100k digits": "9" * 100_000,
}
CHOICE_REFUSED = {
    "unknown": MARK + "unknown",
    "NUL byte": "high\x00",
    "markup": '"><img src=x onerror=alert(1)>',
    "huge": "99999999999999999999999",
    "100k chars": LONG,
    "bidi override": "\u202ehigh",
}
DATE_REFUSED = {
    "30 February": "2024-02-30",
    "month 13": "2024-13-01",
    "year 0": "0000-01-01",
    "5-digit year": "99999-01-01",
    "negative year": "-2024-01-01",
    "date and time": "2024-01-01T00:00:00",
    "NUL byte": "2024-01-01\x00",
    "text": MARK + "yesterday",
    "huge": "99999999999999999999999",
    "100k chars": LONG,
}
EMAIL_REFUSED = {
    **TEXT_REFUSED,
    "no domain": MARK + "@",
    "two at signs": MARK + "a@b@example.com",
    "markup": '"><img src=x onerror=alert(1)>@example.com',
    "NUL in address": MARK + "a\x00@example.com",
}
URL_LINES_REFUSED = {
    **TEXT_REFUSED,
    "javascript": "javascript:alert(1)//" + MARK,
    "data": "data:text/html,<script>alert(1)</script>" + MARK,
    "file": "file:///etc/passwd#" + MARK,
    "protocol-relative": "//evil.example.com/" + MARK,
    "no host": "https://#" + MARK,
    "space": "https://exa mple.com/" + MARK,
    "bad port": "https://example.com:99999999/" + MARK,
    "too long": "https://example.com/" + MARK + "x" * 500,
    "eleven links": "\n".join(f"https://example.com/{MARK}{n}" for n in range(11)),
}
LINES_REFUSED = {
    **TEXT_REFUSED,
    "line over 500": MARK + "q" * 500,
    "eleven lines": "\n".join(f"{MARK} question {n}?" for n in range(11)),
}
PASSWORD_REFUSED = {"100k chars": LONG, "too long": MARK + "p" * 300}
VERSION_REFUSED = {
    "stale": "0" * 16,
    "100k chars": LONG,
    "NUL byte": MARK + "\x00",
    "markup": "<script>alert(1)</script>",
}
CATALOGUE = {
    "text": TEXT_REFUSED,
    "email": EMAIL_REFUSED,
    "password": PASSWORD_REFUSED,
    "int": NUMBER_REFUSED,
    "choice": CHOICE_REFUSED,
    "date": DATE_REFUSED,
    "url_lines": URL_LINES_REFUSED,
    "lines": LINES_REFUSED,
    "version": VERSION_REFUSED,
}
#: broken UTF-8 in the raw body: invalid bytes, an encoded lone surrogate, an overlong "/"
RAW_BYTES = {
    "invalid byte, encoded": b"%FF%FE",
    "invalid byte, raw": b"\xff\xfe",
    "lone surrogate, encoded": b"%ED%A0%80",
    "overlong encoding": b"%C0%AF",
    "truncated sequence": b"%E2%82",
}
MARKUP = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "[click me](javascript:alert(1))",
    '<a href="javascript:alert(1)">link</a>',
)
#: what must never appear in a page: an executable form of the payloads above
UNSAFE_IN_PAGE = ("<script>alert", "<img src=x", 'href="javascript:', "href='javascript:")
TEXT_KINDS = {"text", "lines"}
#: fields where any well-formed text is acceptable input
FREE_TEXT_KINDS = TEXT_KINDS | {"password"}


@dataclass(frozen=True)
class FormSpec:
    endpoint: str
    actor: str
    #: URL arguments from the world's ids
    args: Callable[[World], dict]
    #: a submission the form accepts (the CSRF token and hidden version are added)
    valid: Callable[[World], dict]
    #: field → kind in CATALOGUE ("bool" fields are not fuzzed: any value means ticked)
    fields: dict[str, str] = field(default_factory=dict)
    #: fields that may be left out
    optional: frozenset[str] = frozenset()
    #: field → more values that must be refused, from the world (ids of the wrong object)
    refused: Callable[[World], dict[str, dict[str, str]]] = lambda w: {}
    #: the form has a page to GET (POST-only buttons do not)
    page: bool = True
    #: the status of the accepted control submission
    accepted: int = 302
    #: forms of several rows: more fields (None leaves one out) that together with the valid
    #: submission must be refused as a whole, from the world
    extra_rows: Callable[[World], dict[str, dict[str, str | None]]] = lambda w: {}


def _user_email(w: World, name: str) -> str:
    from knowtrans.users.models import User

    return _db.session.get(User, w.users[name]).email


def _target_email(w: World) -> str:
    from knowtrans.users.models import User

    return _db.session.get(User, w.target_user).email


def _iso(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


def _engagement_fields(w: World) -> dict:
    return {
        "title": "Network automation",
        "expert_id": str(w.users["expert"]),
        "client": "ACME Logistics",
        "project": "Core network",
        "start_date": _iso(-30),
        "planned_end_date": _iso(60),
        "objectives": "Hand over **Ansible** playbooks.",
    }


ENGAGEMENT_KINDS = {
    "title": "text",
    "expert_id": "int",
    "client": "text",
    "project": "text",
    "start_date": "date",
    "planned_end_date": "date",
    "objectives": "text",
}


def _wrong_experts(w: World) -> dict[str, dict[str, str]]:
    return {
        "expert_id": {
            "a staff member": str(w.users["staff"]),
            "an admin": str(w.users["admin"]),
            "a missing user": "2147483647",
        }
    }


def _entry_fields(w: World) -> dict:
    return {
        "date": _iso(-1),
        "activity": "pairing",
        "minutes": "90",
        "learned": "Paired on the **failover** drill.",
        "evidence": "https://wiki.example.com/runbooks/failover",
        "self_level": "2",
        "questions": "How is the backup restore tested?",
    }


ENTRY_KINDS = {
    "date": "date",
    "activity": "choice",
    "minutes": "int",
    "learned": "text",
    "evidence": "url_lines",
    "self_level": "int",
    "questions": "lines",
}
ENTRY_OPTIONAL = frozenset({"evidence", "self_level", "questions", "version"})
ENTRY_DATES = {"date": {"in the future": _iso(1), "long before the start": _iso(-400)}}

FORMS: dict[str, FormSpec] = {
    "login": FormSpec(
        "auth.login",
        "anonymous",
        lambda w: {},
        lambda w: {"email": _user_email(w, "staff"), "password": PASSWORD},
        {"email": "email", "password": "password"},
    ),
    "change password": FormSpec(
        "auth.change_password",
        "staff",
        lambda w: {},
        lambda w: {
            "current_password": PASSWORD,
            "password": "a new and long passphrase",
            "confirm": "a new and long passphrase",
        },
        {"current_password": "password", "password": "password", "confirm": "password"},
        refused=lambda w: {"current_password": {"wrong": "not my current password"}},
    ),
    "new user": FormSpec(
        "users.new",
        "admin",
        lambda w: {},
        lambda w: {
            "email": "new.person@example.com",
            "name": "New Person",
            "kind": "internal",
            "roles": ["staff", "it_lead"],
            "password": "an initial passphrase",
            "language": "de",
            "timezone": "Europe/Vienna",
        },
        {
            "email": "email",
            "name": "text",
            "kind": "choice",
            "roles": "choice",
            "password": "password",
            "language": "choice",
            "timezone": "choice",
        },
        refused=lambda w: {
            "email": {"taken": _user_email(w, "cto").upper()},
            "kind": {"external with staff role": "external"},
        },
        # left out: English and the company's time zone
        optional=frozenset({"language", "timezone"}),
    ),
    "edit user": FormSpec(
        "users.edit",
        "admin",
        lambda w: {"user_id": w.target_user},
        lambda w: {
            "email": _target_email(w),
            "name": "Tina Renamed",
            "kind": "internal",
            "roles": "staff",
            "language": "en",
            "timezone": "",
        },
        {
            "email": "email",
            "name": "text",
            "kind": "choice",
            "roles": "choice",
            "language": "choice",
            "timezone": "choice",
            "version": "version",
        },
        refused=lambda w: {"email": {"taken": _user_email(w, "cto")}},
        # left out: the stored values stay
        optional=frozenset({"language", "timezone"}),
    ),
    "set password": FormSpec(
        "users.password",
        "admin",
        lambda w: {"user_id": w.target_user},
        lambda w: {"password": "another long passphrase", "confirm": "another long passphrase"},
        {"password": "password", "confirm": "password"},
    ),
    "deactivate user": FormSpec(
        "users.set_active",
        "admin",
        lambda w: {"user_id": w.target_user},
        lambda w: {"active": "0"},
        {"active": "choice"},
        page=False,
        refused=lambda w: {"active": {"true": "true", "list": "0 1", "one and zero": "10"}},
    ),
    "new skill": FormSpec(
        "skills.new",
        "cto",
        lambda w: {},
        lambda w: {"name": "Kubernetes", "category": "Platforms", "description": "Cluster ops"},
        {"name": "text", "category": "text", "description": "text"},
        optional=frozenset({"description"}),
        refused=lambda w: {"name": {"taken": "postgresql OPERATIONS", "spaces only": "   "}},
    ),
    "edit skill": FormSpec(
        "skills.edit",
        "cto",
        lambda w: {"skill_id": w.skill},
        lambda w: {"name": "PostgreSQL ops", "category": "Databases", "description": "HA"},
        {"name": "text", "category": "text", "description": "text", "version": "version"},
        optional=frozenset({"description"}),
        refused=lambda w: {"name": {"taken": "kafka"}},
    ),
    "archive skill": FormSpec(
        "skills.archive",
        "cto",
        lambda w: {"skill_id": w.skill_to_archive},
        lambda w: {},
        page=False,
    ),
    "restore skill": FormSpec(
        "skills.restore", "cto", lambda w: {"skill_id": w.archived_skill}, lambda w: {}, page=False
    ),
    "new engagement": FormSpec(
        "engagements.new",
        "cto",
        lambda w: {},
        _engagement_fields,
        ENGAGEMENT_KINDS,
        optional=frozenset({"project", "objectives"}),
        refused=lambda w: {
            **_wrong_experts(w),
            "planned_end_date": {"before the start": _iso(-31)},
        },
    ),
    "edit engagement": FormSpec(
        "engagements.edit",
        "cto",
        lambda w: {"engagement_id": w.main},
        _engagement_fields,
        {**ENGAGEMENT_KINDS, "version": "version"},
        optional=frozenset({"project", "objectives"}),
        refused=_wrong_experts,
    ),
    "advance engagement": FormSpec(
        "engagements.advance",
        "cto",
        lambda w: {"engagement_id": w.main},
        lambda w: {"current": "active"},
        {"current": "choice"},
        page=False,
        refused=lambda w: {"current": {"another status": "handover", "closed": "closed"}},
    ),
    # several skills at once: each row is a skill ticked or not (the first row is fuzzed)
    "new plan item": FormSpec(
        "plans.new_item",
        "cto",
        lambda w: {"engagement_id": w.main},
        lambda w: {
            "rows-0-skill_id": str(w.skill_to_archive),
            "rows-0-chosen": "y",
            "rows-0-target_level": "3",
            "rows-0-criticality": "high",
            "rows-0-due_date": _iso(10),
        },
        {
            "rows-0-skill_id": "int",
            "rows-0-target_level": "int",
            "rows-0-criticality": "choice",
            "rows-0-due_date": "date",
        },
        optional=frozenset({"rows-0-due_date"}),
        refused=lambda w: {
            "rows-0-skill_id": {
                "archived skill": str(w.archived_skill),
                "skill on the plan": str(w.skill),
                "missing skill": "2147483647",
            },
            "rows-0-due_date": {"after the end": _iso(61), "before the start": _iso(-31)},
            "rows-0-target_level": {"six": "6"},
        },
        extra_rows=lambda w: {
            "the skill in a second row": {
                "rows-1-skill_id": str(w.skill_to_archive),
                "rows-1-chosen": "y",
                "rows-1-target_level": "2",
                "rows-1-criticality": "low",
            },
            "a second row that is refused": {
                "rows-1-skill_id": str(w.archived_skill),
                "rows-1-chosen": "y",
                "rows-1-target_level": "2",
                "rows-1-criticality": "low",
            },
            "a missing skill in a second row": {
                "rows-1-skill_id": "2147483647",
                "rows-1-chosen": "y",
                "rows-1-target_level": "2",
                "rows-1-criticality": "low",
            },
            "a second row not ticked with a level": {
                "rows-1-skill_id": str(w.skill_to_archive),
                "rows-0-skill_id": str(w.archived_skill),
                "rows-0-chosen": None,
                "rows-1-target_level": "2",
            },
            "nothing ticked": {"rows-0-chosen": None},
        },
    ),
    "edit plan item": FormSpec(
        "plans.edit_item",
        "cto",
        lambda w: {"item_id": w.item},
        lambda w: {"target_level": "4", "criticality": "high", "due_date": _iso(10)},
        {"target_level": "int", "criticality": "choice", "due_date": "date", "version": "version"},
        optional=frozenset({"due_date"}),
        refused=lambda w: {"target_level": {"six": "6"}, "due_date": {"after the end": _iso(61)}},
    ),
    "delete plan item": FormSpec(
        "plans.delete_item", "cto", lambda w: {"item_id": w.spare_item}, lambda w: {}, page=False
    ),
    "handover notes": FormSpec(
        "plans.notes",
        "expert",
        lambda w: {"item_id": w.item},
        lambda w: {"handover_notes": "Runbooks live in the **wiki**."},
        {"handover_notes": "text", "version": "version"},
        optional=frozenset({"handover_notes"}),
    ),
    # several learners at once: each row is a person ticked or not (the first row is fuzzed)
    "assign learner": FormSpec(
        "plans.assign",
        "cto",
        lambda w: {"item_id": w.item},
        lambda w: {
            "rows-0-learner_id": str(w.target_user),
            "rows-0-chosen": "y",
            "rows-0-learner_role": "backup",
        },
        {"rows-0-learner_id": "int", "rows-0-learner_role": "choice"},
        refused=lambda w: {
            "rows-0-learner_id": {
                "the expert": str(w.users["expert"]),
                "already assigned": str(w.users["staff"]),
                "an admin": str(w.users["admin"]),
                "a missing user": "2147483647",
            }
        },
        extra_rows=lambda w: {
            "the person in a second row": {
                "rows-1-learner_id": str(w.target_user),
                "rows-1-chosen": "y",
                "rows-1-learner_role": "primary",
            },
            "a second row that is refused": {
                "rows-1-learner_id": str(w.users["expert"]),
                "rows-1-chosen": "y",
                "rows-1-learner_role": "primary",
            },
            "a second row with a bad role": {
                "rows-1-learner_id": str(w.users["other_staff"]),
                "rows-1-chosen": "y",
                "rows-1-learner_role": "lead",
            },
            "nothing ticked": {"rows-0-chosen": None},
        },
    ),
    "unassign learner": FormSpec(
        "plans.unassign",
        "cto",
        lambda w: {"assignment_id": w.spare_assignment},
        lambda w: {},
        page=False,
    ),
    "set phase": FormSpec(
        "plans.set_phase",
        "cto",
        lambda w: {"assignment_id": w.assignment},
        lambda w: {"phase": "reverse_shadowing"},
        {"phase": "choice"},
        page=False,
        refused=lambda w: {"phase": {"signed off below target": "signed_off"}},
    ),
    "set learner role": FormSpec(
        "plans.set_role",
        "cto",
        lambda w: {"assignment_id": w.assignment},
        lambda w: {"learner_role": "backup"},
        {"learner_role": "choice"},
        page=False,
    ),
    "new learning entry": FormSpec(
        "learning.new_entry",
        "staff",
        lambda w: {"assignment_id": w.assignment},
        _entry_fields,
        ENTRY_KINDS,
        optional=ENTRY_OPTIONAL,
        refused=lambda w: ENTRY_DATES,
    ),
    "edit learning entry": FormSpec(
        "learning.edit_entry",
        "staff",
        lambda w: {"entry_id": w.entry},
        _entry_fields,
        {**ENTRY_KINDS, "version": "version"},
        optional=ENTRY_OPTIONAL,
        refused=lambda w: ENTRY_DATES,
    ),
    "delete learning entry": FormSpec(
        "learning.delete_entry",
        "staff",
        lambda w: {"entry_id": w.spare_entry},
        lambda w: {},
        page=False,
    ),
    "resolve question": FormSpec(
        "learning.resolve_question",
        "staff",
        lambda w: {"question_id": w.question},
        lambda w: {},
        page=False,
    ),
    "confirm level": FormSpec(
        "confirmations.confirm",
        "expert",
        lambda w: {"assignment_id": w.assignment},
        lambda w: {"level": "3", "comment": "Ran the failover drill alone."},
        {"level": "int", "comment": "text"},
        optional=frozenset({"comment"}),
        refused=lambda w: {"level": {"six": "6"}},
    ),
    "close engagement": FormSpec(
        "closing.close",
        "it_lead",
        lambda w: {"engagement_id": w.main},
        lambda w: {"justification": "The DBA team takes over PostgreSQL.", "confirm": "y"},
        {"justification": "text"},
        refused=lambda w: {"justification": {"blank with a critical gap": "   "}},
    ),
    "draft report": FormSpec(
        "reports.draft",
        "cto",
        lambda w: {"engagement_id": w.main},
        lambda w: {},
        page=False,
        accepted=303,
    ),
}

#: forms whose fields are fuzzed (the others are buttons without fields)
FORMS_WITH_FIELDS = [name for name, spec in FORMS.items() if spec.fields]
#: POST-only buttons that carry a ``next`` to go back to
NEXT_FORMS = ["archive skill", "restore skill", "deactivate user"]


class _HiddenInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.values.setdefault(attributes["name"], attributes.get("value") or "")


def hidden_inputs(html: str) -> dict[str, str]:
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.values


def text_values(include_audit: bool = True) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text and binary value in the database."""
    _db.session.expire_all()
    values = []
    for table in _db.metadata.sorted_tables:
        if table.name == "audit_events" and not include_audit:
            continue
        columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.LargeBinary)]
        if not columns:
            continue
        for row in _db.session.execute(sa.select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, bytes):
                    value = value.decode("latin-1")
                if isinstance(value, str):
                    values.append((table.name, column.name, value))
    return values


def stored_markers() -> list[str]:
    return [f"{table}.{column}" for table, column, value in text_values() if MARK in value]


class Session:
    """The form's user, signed in, with the form's URL, token and valid submission."""

    def __init__(self, app, world: World, spec: FormSpec) -> None:
        self.app = app
        self.spec = spec
        self.browser = signed_in(app, world, spec.actor)
        with app.test_request_context():
            self.url = url_for(spec.endpoint, **spec.args(world))
        hidden = {}
        if spec.page:
            page = self.browser.get(self.url)
            assert page.status_code == 200, (spec.endpoint, page.status_code)
            hidden = hidden_inputs(page.get_data(as_text=True))
        self.token = hidden.get("csrf_token") or csrf_token(self.browser)
        self.valid = {"csrf_token": self.token, **spec.valid(world)}
        if "version" in hidden:
            self.valid["version"] = hidden["version"]

    def refresh(self) -> None:
        """Take the hidden version from the form page again."""
        if self.spec.page:
            page = self.browser.get(self.url)
            if page.status_code == 200:
                hidden = hidden_inputs(page.get_data(as_text=True))
                if "version" in hidden:
                    self.valid["version"] = hidden["version"]

    def post(self, data: dict, **kwargs):
        return self.browser.client.post(self.url, data=data, **kwargs)

    def post_raw(self, body: bytes):
        return self.browser.client.post(
            self.url, data=body, content_type="application/x-www-form-urlencoded"
        )

    def raw_body(self, name: str, raw: bytes) -> bytes:
        """The valid submission, urlencoded, with ``name`` replaced by raw bytes."""
        pairs = [
            (key, item)
            for key, value in self.valid.items()
            if key != name
            for item in (value if isinstance(value, list) else [value])
        ]
        return urlencode(pairs).encode() + b"&" + quote(name).encode() + b"=" + MARK.encode() + raw


def refusals(spec: FormSpec, world: World):
    """(field, label, value) for every value ``spec``'s form must refuse."""
    extra = spec.refused(world)
    for name, kind in spec.fields.items():
        for label, value in CATALOGUE[kind].items():
            yield name, label, value
        for label, value in extra.get(name, {}).items():
            yield name, label, value
        if name not in spec.optional and kind != "version":
            yield name, "missing", None


def _server_error(response) -> bool:
    return response.status_code >= 500


@pytest.fixture(autouse=True)
def no_rate_limit(monkeypatch):
    """Hundreds of refused sign-ins in a row are the point here, not an attack to stop."""
    monkeypatch.setattr(limiter, "enabled", False)


@pytest.mark.parametrize("name", FORMS_WITH_FIELDS)
def test_refused_values_write_nothing(app, world, name):
    spec = FORMS[name]
    session = Session(app, world, spec)
    failures = []
    for field_name, label, value in refusals(spec, world):
        data = dict(session.valid)
        if value is None:
            data.pop(field_name, None)
        else:
            data[field_name] = value
        before = database_snapshot()
        response = session.post(data)
        what = f"{name}: {field_name} = {label}"
        if _server_error(response):
            failures.append(f"{what}: {response.status_code}")
            continue
        if changed := changed_tables(before, database_snapshot()):
            failures.append(f"{what}: accepted ({response.status_code}), changed {changed}")
            session.refresh()  # the next case starts from the saved version
        if markers := stored_markers():
            failures.append(f"{what}: the payload is stored in {markers}")
    for label, fields in spec.extra_rows(world).items():
        data = dict(session.valid)
        for key, value in fields.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        before = database_snapshot()
        response = session.post(data)
        if _server_error(response):
            failures.append(f"{name}: {label}: {response.status_code}")
        elif changed := changed_tables(before, database_snapshot()):
            failures.append(
                f"{name}: {label}: accepted ({response.status_code}), changed {changed}"
            )
    before = database_snapshot()
    control = session.post(session.valid)
    if control.status_code != spec.accepted:
        failures.append(
            f"{name}: the valid submission is refused ({control.status_code}), so the "
            "refusals above prove nothing"
        )
    elif (
        not failures  # an earlier accepted case may have saved these values already
        and spec.endpoint != "auth.login"
        and not changed_tables(before, database_snapshot())
    ):
        failures.append(f"{name}: the valid submission wrote nothing")  # a sign-in writes no row
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", FORMS_WITH_FIELDS)
def test_broken_utf8_is_never_stored(app, world, name):
    """Raw bytes that are not UTF-8: no 5xx, never stored as such.

    Werkzeug answers an undecodable raw body with 400 and keeps undecodable %-escapes as the
    literal text "%FF": harmless text a text field may store, a number or choice refuses.
    """
    spec = FORMS[name]
    session = Session(app, world, spec)
    failures = []
    for field_name in spec.fields:
        for label, raw in RAW_BYTES.items():
            before = database_snapshot()
            response = session.post_raw(session.raw_body(field_name, raw))
            what = f"{name}: {field_name} = {label}"
            if _server_error(response):
                failures.append(f"{what}: {response.status_code}")
            elif spec.fields[field_name] not in FREE_TEXT_KINDS and changed_tables(
                before, database_snapshot()
            ):
                failures.append(f"{what}: accepted in a {spec.fields[field_name]} field")
    for table, column, value in text_values():
        if MARK in value and any(ch == "\ufffd" or "\ud800" <= ch <= "\udfff" for ch in value):
            failures.append(f"{table}.{column} holds a replacement character or a surrogate")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", FORMS_WITH_FIELDS)
def test_repeated_fields_never_store_the_hostile_value(app, world, name):
    """A field sent twice with conflicting values (a list where one value is expected)."""
    spec = FORMS[name]
    session = Session(app, world, spec)
    failures = []
    for field_name, kind in spec.fields.items():
        hostile = next(iter(CATALOGUE[kind].values()))
        valid = session.valid.get(field_name, "")
        valid_values = valid if isinstance(valid, list) else [valid]
        for values in ([*valid_values, hostile], [hostile, *valid_values], [hostile, hostile]):
            response = session.post({**session.valid, field_name: values})
            if _server_error(response):
                failures.append(
                    f"{name}: {field_name} = {values[:3]!r:.80}: {response.status_code}"
                )
    if markers := stored_markers():
        failures.append(f"{name}: a hostile value is stored in {markers}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", list(FORMS))
def test_without_a_valid_csrf_token_nothing_happens(app, world, name):
    session = Session(app, world, FORMS[name])
    for token in (None, "", MARK + "forged", ["forged", session.token], LONG):
        data = {**session.valid}
        if token is None:
            data.pop("csrf_token")
        else:
            data["csrf_token"] = token
        before = database_snapshot()
        response = session.post(data)
        assert response.status_code == 400, (name, repr(token)[:40], response.status_code)
        assert not changed_tables(before, database_snapshot()), (name, repr(token)[:40])


@pytest.mark.parametrize("name", list(FORMS))
def test_unknown_fields_are_ignored(app, world, name):
    """Fields the form does not have, with hostile names and values, change nothing of it."""
    spec = FORMS[name]
    session = Session(app, world, spec)
    junk = {
        MARK + "field\x00": LONG,
        "id": "99999999999999999999999",
        "role": "admin",
        "roles": "admin" if spec.endpoint != "users.new" else session.valid["roles"],
        "is_admin": "1",
        "engagement_id": "1",
        "learner_id": "1" if "learner_id" not in spec.fields else session.valid["learner_id"],
        "status": "closed",
    }
    junk = {key: value for key, value in junk.items() if key not in spec.fields}
    response = session.post({**session.valid, **junk})
    assert not _server_error(response), (name, response.status_code)
    assert response.status_code == spec.accepted, (name, response.status_code)
    assert not stored_markers()


@pytest.mark.parametrize("name", NEXT_FORMS)
@pytest.mark.parametrize(
    "target",
    [
        "//evil.example.com/",
        "https://evil.example.com/",
        "/\\evil.example.com",
        "\\\\evil.example.com",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        "/\r\nSet-Cookie: x=1",
        "/ok\x00",
        "http:evil.example.com",
        LONG,
    ],
)
def test_next_after_a_button_stays_in_the_app(app, world, name, target):
    session = Session(app, world, FORMS[name])
    response = session.post({**session.valid, "next": target})
    assert response.status_code == 302, response.status_code
    location = urlsplit(response.headers["Location"])
    assert location.scheme in ("", "http"), location
    assert location.netloc in ("", "localhost"), location
    assert "evil" not in location.netloc
    assert "Set-Cookie" not in response.headers or "x=1" not in response.headers["Set-Cookie"]


#: the forms with free text, the closing last (it makes the engagement read-only)
MARKUP_FORMS = sorted(
    (name for name in FORMS_WITH_FIELDS if TEXT_KINDS & set(FORMS[name].fields.values())),
    key=lambda name: FORMS[name].endpoint == "closing.close",
)


def test_markup_is_stored_inert(app, world):
    """HTML and JavaScript in text are text: stored where valid, never rendered as markup."""
    failures = []
    for name in MARKUP_FORMS:
        spec = FORMS[name]
        session = Session(app, world, spec)
        text_fields = [field for field, kind in spec.fields.items() if kind in TEXT_KINDS]
        for number, payload in enumerate(MARKUP):
            session.refresh()  # an edit form's version changes with every save
            data = dict(session.valid)
            for field_name in text_fields:
                data[field_name] = f"{payload} {number}"
            if "email" in spec.fields and spec.endpoint == "users.new":
                data["email"] = f"markup{number}@example.com"
            response = session.post(data, follow_redirects=True)
            if _server_error(response):
                failures.append(f"{name}: {payload!r} → {response.status_code}")
            failures += unsafe_markup(response, f"{name}: the answer to {payload!r}")
        stored = [v for _, _, v in text_values(include_audit=False) if f"{MARKUP[0]} " in v]
        if not stored:
            failures.append(f"{name}: no payload was stored, so the pages prove nothing")
    for actor in ("admin", "cto", "it_lead", "staff", "expert"):
        browser = signed_in(app, world, actor)
        for url in display_pages(app, world):
            page = browser.get(url)
            if _server_error(page):
                failures.append(f"{actor} GET {url}: {page.status_code}")
            failures += unsafe_markup(page, f"{actor} GET {url}")
    assert not failures, "\n".join(failures)


def display_pages(app, w: World) -> list[str]:
    """Pages that show what the forms store."""
    from knowtrans.engagements.models import Engagement

    with app.test_request_context():
        urls = [
            url_for("dashboard.index"),
            url_for("users.index"),
            url_for("users.edit", user_id=w.target_user),
            url_for("skills.index"),
            url_for("skills.index", archived="1"),
            url_for("skills.edit", skill_id=w.skill),
            url_for("engagements.index"),
            url_for("learning.assignment", assignment_id=w.assignment),
            url_for("learning.my_assignments"),
            url_for("plans.notes", item_id=w.item),
            url_for("confirmations.confirm", assignment_id=w.assignment),
            url_for("reports.archive"),
        ]
        for engagement_id in _db.session.scalars(sa.select(Engagement.id)):
            urls.append(url_for("engagements.show", engagement_id=engagement_id))
            urls.append(url_for("engagements.edit", engagement_id=engagement_id))
    return urls


def unsafe_markup(response, where: str) -> list[str]:
    if not response.mimetype.startswith("text/html"):
        return []
    html = response.get_data(as_text=True)
    return [f"{where}: {unsafe!r} in the page" for unsafe in UNSAFE_IN_PAGE if unsafe in html]


# -- query strings -------------------------------------------------------------------------

LIST_PAGES = [
    ("admin", "users.index", ("q", "role", "active", "page")),
    ("cto", "skills.index", ("q", "category", "archived", "page")),
    ("cto", "engagements.index", ("q", "status", "page")),
    ("staff", "engagements.index", ("q", "status", "page")),
    ("staff", "learning.my_assignments", ("page",)),
    ("cto", "reports.archive", ("page",)),
    ("expert", "dashboard.index", ("page", "q")),
    ("cto", "plans.new_item", ("q",)),
    ("cto", "plans.assign", ("q",)),
]
#: the URL arguments of the pages above that name an object
PAGE_ARGUMENTS: dict[str, Callable[[World], dict]] = {
    "plans.new_item": lambda w: {"engagement_id": w.main},
    "plans.assign": lambda w: {"item_id": w.item},
}
QUERY_VALUES = {
    **TEXT_REFUSED,
    **{f"number {label}": value for label, value in NUMBER_REFUSED.items()},
    "markup": "<script>alert(1)</script>",
    "attribute breakout": '"><img src=x onerror=alert(1)>',
    "SQL": "' OR 1=1 --",
    "LIKE wildcards": "%_%\\",
    "unknown status": "closed\x00",
    "empty": "",
}
RAW_QUERY_VALUES = [b"%FF%FE", b"%ED%A0%80", b"%C0%AF", b"%00", b"%E2%80%AE", b"a%", b"%%"]


@pytest.mark.parametrize(("actor", "endpoint", "params"), LIST_PAGES)
def test_hostile_query_strings_on_list_pages(app, world, actor, endpoint, params):
    browser = signed_in(app, world, actor)
    arguments = PAGE_ARGUMENTS.get(endpoint, lambda w: {})(world)
    with app.test_request_context():
        path = url_for(endpoint, **arguments)
    failures = []

    def check(response, what):
        status = response.status_code
        if status == 302 and urlsplit(response.headers["Location"]).path == path:
            return  # a page beyond the last one goes to the last one
        if status != 200:
            failures.append(f"{what}: {status}")
        elif any(unsafe in response.get_data(as_text=True) for unsafe in UNSAFE_IN_PAGE):
            failures.append(f"{what}: the value is reflected as markup")

    for param in params:
        for label, value in QUERY_VALUES.items():
            check(browser.get(path, query_string={param: value}), f"{param} = {label}")
        for raw in RAW_QUERY_VALUES:
            query = f"{param}={raw.decode('ascii')}"
            check(browser.get(path, query_string=query), f"{param} = raw {raw!r}")
        twice = MultiDict([(param, "1"), (param, MARK)])
        check(browser.get(path, query_string=twice), f"{param} twice")
    assert not failures, "\n".join(failures)


# -- dates at the ends of the calendar ---------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"), [("0001-01-01", "0001-01-20"), ("9999-12-01", "9999-12-31")]
)
def test_dates_at_the_ends_of_the_calendar_break_no_page(app, world, make_skill, start, end):
    """Dates next to date.min and date.max: the form refuses them, but a restored backup may
    hold them; readiness, at-risk and report arithmetic must not overflow on such an
    engagement, its plan and its learners."""
    from knowtrans.engagements.models import Engagement, EngagementStatus
    from knowtrans.plans.models import Assignment, PlanItem

    session = Session(app, world, FORMS["new engagement"])
    refused = session.post(
        {**session.valid, "title": f"Edge {start}", "start_date": start, "planned_end_date": end}
    )
    assert refused.status_code == 200, refused.status_code
    assert "Enter a date between the years" in refused.get_data(as_text=True)
    engagement = Engagement(
        title=f"Edge {start}",
        expert_id=int(session.valid["expert_id"]),
        client="ACME",
        project="",
        start_date=date.fromisoformat(start),
        planned_end_date=date.fromisoformat(end),
        objectives="",
        status=EngagementStatus.PLANNED,
    )
    _db.session.add(engagement)
    _db.session.commit()
    engagement_id = engagement.id
    engagement_url = f"/engagements/{engagement_id}"
    cto, token = session.browser.client, session.token
    advanced = cto.post(
        f"{engagement_url}/advance", data={"csrf_token": token, "current": "planned"}
    )
    assert advanced.status_code == 302
    added = cto.post(
        f"{engagement_url}/plan/new",
        data={
            "csrf_token": token,
            **{
                f"rows-{row}-{name}": value
                for row, due in enumerate((start, end, ""))
                for name, value in {
                    "skill_id": make_skill().id,
                    "chosen": "y",
                    "target_level": "3",
                    "criticality": "critical",
                    "due_date": due,
                }.items()
            },
        },
    )
    assert added.status_code == 302, added.status_code
    items = _db.session.scalars(
        sa.select(PlanItem.id).where(PlanItem.engagement_id == engagement_id)
    ).all()
    for item_id in items:
        assigned = cto.post(
            f"/plan-items/{item_id}/assign",
            data={
                "csrf_token": token,
                "rows-0-learner_id": world.target_user,
                "rows-0-chosen": "y",
                "rows-0-learner_role": "primary",
            },
        )
        assert assigned.status_code == 302
    assignment_id = _db.session.scalar(
        sa.select(Assignment.id).where(Assignment.plan_item_id == items[0])
    )
    with app.test_request_context():
        pages = [
            url_for("dashboard.index"),
            url_for("engagements.index"),
            engagement_url,
            url_for("closing.close", engagement_id=engagement_id),
            url_for("learning.assignment", assignment_id=assignment_id),
            url_for("confirmations.confirm", assignment_id=assignment_id),
            url_for("plans.edit_item", item_id=items[0]),
        ]
    for actor in ("cto", "it_lead", "staff"):
        browser = signed_in(app, world, actor)
        for url in pages:
            status = browser.get(url).status_code
            assert status < 500, (actor, url, status)
    asked = cto.post(f"{engagement_url}/report/draft", data={"csrf_token": token})
    assert asked.status_code == 303, asked.status_code
    draft = cto.get(asked.headers["Location"] + "/pdf")
    assert draft.status_code == 200, draft.status_code
    assert draft.mimetype == "application/pdf"
