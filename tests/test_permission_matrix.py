"""The permission matrix: every URL rule × every actor × GET/POST → the expected status.

PRODUCT.md's role table, written out per endpoint. A new URL rule without an entry here
fails ``test_every_url_rule_has_an_entry``. Forbidden POSTs (403, 404, 405, a redirect to the
sign-in page) must leave every table except ``audit_events`` exactly as it was.

The world (one per test function) has three engagements:
- ``main``: active, the ``expert``'s, with ``staff`` assigned; the engagement under test;
- ``other``: active, ``other_expert``'s, with ``other_staff`` assigned;
- ``closed``: closed, the ``expert``'s, with ``staff`` assigned and an archived final report.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import url_for

from knowtrans.core.clock import today, utcnow
from knowtrans.engagements.models import EngagementStatus
from knowtrans.extensions import db as _db
from knowtrans.learning.models import OpenQuestion
from knowtrans.plans.models import Criticality
from knowtrans.reports.models import BuildStatus, HandoverReport, ReportBuild
from knowtrans.users.models import Role, User
from tests.conftest import Browser, csrf_token_from

ACTORS = (
    "anonymous",
    "admin",
    "cto",
    "it_lead",
    "staff",
    "expert",
    "other_staff",
    "other_expert",
)
#: a redirect to the sign-in page that remembers where the user wanted to go
LOGIN = "login"
#: tables a refused request may still write to (denials are audited)
UNCHECKED_TABLES = frozenset({"audit_events"})

# One row per endpoint and method; the columns are the actors, in the order of ACTORS:
#   anonymous  admin  cto  it_lead  staff  expert  other_staff  other_expert
# "L" is a redirect to /login?next=…; 302 any other redirect. A method a rule does not allow
# has no row: it must answer 405 to everyone.
# fmt: off
EXPECTED: dict[str, dict[str, str]] = {
    "auth.login": {
        "GET":  "200 302 302 302 302 302 302 302",
        "POST": "200 302 302 302 302 302 302 302",
    },
    "auth.logout":          {"POST": "L   302 302 302 302 302 302 302"},
    "auth.change_password": {
        "GET":  "L   200 200 200 200 200 200 200",
        "POST": "L   200 200 200 200 200 200 200",
    },
    # the language of the signed-out pages; a signed-in user's own language and time zone
    "auth.language":        {"POST": "302 302 302 302 302 302 302 302"},
    "auth.profile": {
        "GET":  "L   200 200 200 200 200 200 200",
        "POST": "L   200 200 200 200 200 200 200",
    },
    "dashboard.index":      {"GET":  "L   200 200 200 200 200 200 200"},
    # the health check of load balancers: no sign-in, no secrets
    "health.healthz":          {"GET":  "200 200 200 200 200 200 200 200"},
    # user administration: admins only
    "users.index":          {"GET":  "L   200 403 403 403 403 403 403"},
    "users.new": {
        "GET":  "L   200 403 403 403 403 403 403",
        "POST": "L   200 403 403 403 403 403 403",
    },
    "users.edit": {
        "GET":  "L   200 403 403 403 403 403 403",
        "POST": "L   200 403 403 403 403 403 403",
    },
    "users.password": {
        "GET":  "L   200 403 403 403 403 403 403",
        "POST": "L   200 403 403 403 403 403 403",
    },
    "users.set_active":     {"POST": "L   302 403 403 403 403 403 403"},
    # the skill catalogue: admin, CTO, IT lead
    "skills.index":         {"GET":  "L   200 200 200 403 403 403 403"},
    "skills.new": {
        "GET":  "L   200 200 200 403 403 403 403",
        "POST": "L   200 200 200 403 403 403 403",
    },
    "skills.edit": {
        "GET":  "L   200 200 200 403 403 403 403",
        "POST": "L   200 200 200 403 403 403 403",
    },
    "skills.archive":       {"POST": "L   302 302 302 403 403 403 403"},
    "skills.restore":       {"POST": "L   302 302 302 403 403 403 403"},
    # engagements: everyone lists what they may see; the CTO creates and edits
    "engagements.index":    {"GET":  "L   200 200 200 200 200 200 200"},
    "engagements.new": {
        "GET":  "L   403 200 403 403 403 403 403",
        "POST": "L   403 200 403 403 403 403 403",
    },
    "engagements.show":     {"GET":  "L   200 200 200 200 200 404 404"},
    # the full history: whoever sees the engagement
    "engagements.history":  {"GET":  "L   200 200 200 200 200 404 404"},
    "engagements.edit": {
        "GET":  "L   403 200 403 403 403 404 404",
        "POST": "L   403 200 403 403 403 404 404",
    },
    "engagements.advance":  {"POST": "L   403 302 403 403 403 404 404"},
    # the transfer plan: the CTO; handover notes: the expert of the engagement or an IT lead
    "plans.new_item": {
        "GET":  "L   403 200 403 403 403 404 404",
        "POST": "L   403 200 403 403 403 404 404",
    },
    "plans.edit_item": {
        "GET":  "L   403 200 403 403 403 404 404",
        "POST": "L   403 200 403 403 403 404 404",
    },
    "plans.delete_item":    {"POST": "L   403 302 403 403 403 404 404"},
    "plans.notes": {
        "GET":  "L   403 403 200 403 200 404 404",
        "POST": "L   403 403 200 403 200 404 404",
    },
    "plans.assign": {
        "GET":  "L   403 200 403 403 403 404 404",
        "POST": "L   403 200 403 403 403 404 404",
    },
    "plans.unassign":       {"POST": "L   403 302 403 403 403 404 404"},
    "plans.set_phase":      {"POST": "L   403 302 403 403 403 404 404"},
    "plans.set_role":       {"POST": "L   403 302 403 403 403 404 404"},
    # the learning log: the learner records; whoever sees the engagement reads
    "learning.my_assignments": {"GET": "L 403 403 403 200 403 200 403"},
    "learning.assignment":  {"GET":  "L   200 200 200 200 200 404 404"},
    "learning.new_entry": {
        "GET":  "L   403 403 403 200 403 404 404",
        "POST": "L   403 403 403 200 403 404 404",
    },
    "learning.edit_entry": {
        "GET":  "L   403 403 403 200 403 404 404",
        "POST": "L   403 403 403 200 403 404 404",
    },
    "learning.delete_entry":    {"POST": "L 403 403 403 302 403 404 404"},
    "learning.resolve_question": {"POST": "L 403 403 302 302 302 404 404"},
    # hiding learning entries with a reason: a CTO or IT lead
    "learning.hide_entry": {
        "GET":  "L   403 200 200 403 403 404 404",
        "POST": "L   403 200 200 403 403 404 404",
    },
    "learning.show_entry":  {"POST": "L   403 302 302 403 403 404 404"},
    "learning.erase_entry": {"POST": "L   403 302 302 403 403 404 404"},
    "learning.hide_entries": {
        "GET":  "L   403 200 200 403 403 404 404",
        "POST": "L   403 200 200 403 403 404 404",
    },
    "learning.show_hidden_act": {"POST": "L 403 302 302 403 403 404 404"},
    # confirming a level: the expert of the engagement or an IT lead, never the learner
    "confirmations.confirm": {
        "GET":  "L   403 403 200 403 200 404 404",
        "POST": "L   403 403 200 403 200 404 404",
    },
    # reports and closing: CTO and IT lead; archived reports: whoever sees the engagement
    "closing.close": {
        "GET":  "L   403 200 200 403 403 404 404",
        "POST": "L   403 200 200 403 403 404 404",
    },
    "closing.retry":        {"POST": "L   403 302 302 403 403 404 404"},
    "reports.draft":        {"POST": "L   403 303 303 403 403 404 404"},
    "reports.build":        {"GET":  "L   403 200 200 403 403 404 404"},
    "reports.build_file":   {"GET":  "L   403 200 200 403 403 404 404"},
    "reports.final":        {"GET":  "L   200 200 200 200 200 404 404"},
    "reports.archive":      {"GET":  "L   200 200 200 200 200 200 200"},
}

# The closed engagement: visible as before, but every write is refused (403) for everyone,
# its write forms included; a draft request is sent to the archived final report.
EXPECTED_ON_CLOSED: dict[str, dict[str, str]] = {
    "engagements.show":     {"GET":  "L   200 200 200 200 200 404 404"},
    "engagements.history":  {"GET":  "L   200 200 200 200 200 404 404"},
    "engagements.edit": {
        "GET":  "L   403 403 403 403 403 404 404",
        "POST": "L   403 403 403 403 403 404 404",
    },
    "engagements.advance":  {"POST": "L   403 403 403 403 403 404 404"},
    "plans.new_item": {
        "GET":  "L   403 403 403 403 403 404 404",
        "POST": "L   403 403 403 403 403 404 404",
    },
    "plans.edit_item": {
        "GET":  "L   403 403 403 403 403 404 404",
        "POST": "L   403 403 403 403 403 404 404",
    },
    "plans.delete_item":    {"POST": "L   403 403 403 403 403 404 404"},
    "plans.notes": {
        "GET":  "L   403 403 403 403 403 404 404",
        "POST": "L   403 403 403 403 403 404 404",
    },
    "plans.assign": {
        "GET":  "L   403 403 403 403 403 404 404",
        "POST": "L   403 403 403 403 403 404 404",
    },
    "plans.unassign":       {"POST": "L   403 403 403 403 403 404 404"},
    "plans.set_phase":      {"POST": "L   403 403 403 403 403 404 404"},
    "plans.set_role":       {"POST": "L   403 403 403 403 403 404 404"},
    "learning.assignment":  {"GET":  "L   200 200 200 200 200 404 404"},
    "learning.new_entry": {
        "GET":  "L   403 403 403 403 403 404 404",
        "POST": "L   403 403 403 403 403 404 404",
    },
    "learning.edit_entry": {
        "GET":  "L   403 403 403 403 403 404 404",
        "POST": "L   403 403 403 403 403 404 404",
    },
    "learning.delete_entry":    {"POST": "L 403 403 403 403 403 404 404"},
    "learning.resolve_question": {"POST": "L 403 403 403 403 403 404 404"},
    "learning.hide_entry": {
        "GET":  "L   403 403 403 403 403 404 404",
        "POST": "L   403 403 403 403 403 404 404",
    },
    "learning.show_entry":  {"POST": "L   403 403 403 403 403 404 404"},
    "learning.erase_entry": {"POST": "L   403 403 403 403 403 404 404"},
    "learning.hide_entries": {
        "GET":  "L   403 403 403 403 403 404 404",
        "POST": "L   403 403 403 403 403 404 404",
    },
    "learning.show_hidden_act": {"POST": "L 403 403 403 403 403 404 404"},
    "confirmations.confirm": {
        "GET":  "L   403 403 403 403 403 404 404",
        "POST": "L   403 403 403 403 403 404 404",
    },
    "closing.close": {
        "GET":  "L   403 302 302 403 403 404 404",
        "POST": "L   403 302 302 403 403 404 404",
    },
    "closing.retry":        {"POST": "L   403 403 403 403 403 404 404"},
    "reports.draft":        {"POST": "L   403 302 302 403 403 404 404"},
    "reports.final":        {"GET":  "L   200 200 200 200 200 404 404"},
}
# fmt: on

#: what an allowed POST sends besides the CSRF token: an empty form unless it would answer
#: 400, so that an allowed POST re-renders the form or redirects without doing harm
POST_DATA: dict[str, dict[str, str]] = {
    "users.set_active": {"active": "1"},  # the target is active already: nothing changes
    "auth.language": {"language": "en"},  # an unknown language answers 400
}


def expected_status(table: dict[str, dict[str, str]], endpoint: str, method: str, actor: str):
    row = table[endpoint].get(method)
    if row is None:
        return 405
    column = row.split()[ACTORS.index(actor)]
    return LOGIN if column == "L" else int(column)


@dataclass
class World:
    users: dict[str, int]
    target_user: int
    skill: int
    skill_to_archive: int
    archived_skill: int
    main: int
    item: int
    spare_item: int
    assignment: int
    spare_assignment: int
    entry: int
    spare_entry: int
    question: int
    other: int
    closed: int
    closed_item: int
    closed_assignment: int
    closed_entry: int
    closed_question: int
    build: int


@pytest.fixture
def world(
    db,
    make_user,
    make_skill,
    make_engagement,
    make_plan_item,
    make_assignment,
    make_entry,
    make_confirmation,
) -> World:
    """Every kind of object an URL names, each visible to some actors and not to others."""
    users = {
        "admin": make_user(Role.ADMIN, name="Ada Admin"),
        "cto": make_user(Role.CTO, name="Carl CTO"),
        "it_lead": make_user(Role.IT_LEAD, name="Ida Lead"),
        "staff": make_user(Role.STAFF, name="Sam Staff"),
        "expert": make_user(Role.EXPERT, name="Eve Expert"),
        "other_staff": make_user(Role.STAFF, name="Olga Staff"),
        "other_expert": make_user(Role.EXPERT, name="Otto Expert"),
    }
    target_user = make_user(Role.STAFF, name="Tina Target")
    skill = make_skill("PostgreSQL operations")
    skill_to_archive = make_skill("Perl scripts")
    archived_skill = make_skill("Fax gateway", archived=True)

    main = make_engagement(expert=users["expert"], title="Platform migration")
    item = make_plan_item(main, skill, criticality=Criticality.CRITICAL)
    assignment = make_assignment(item, users["staff"])
    entry = make_entry(assignment)
    spare_entry = make_entry(assignment, learned="An entry the learner may delete.")
    question = OpenQuestion(entry=entry, text="Where is the failover runbook?")
    db.session.add(question)
    make_confirmation(assignment, 2, users["expert"], "Good progress")
    spare_item = make_plan_item(main, make_skill("Kafka"))
    spare_assignment = make_assignment(
        make_plan_item(main, make_skill("Terraform")), users["staff"]
    )

    other = make_engagement(expert=users["other_expert"], title="Billing rewrite")
    other_assignment = make_assignment(make_plan_item(other, skill), users["other_staff"])
    make_entry(other_assignment)

    closed = make_engagement(
        expert=users["expert"],
        title="Data centre exit",
        start=today() - timedelta(days=120),
        end=today() - timedelta(days=10),
    )
    closed_item = make_plan_item(closed, skill)
    closed_assignment = make_assignment(closed_item, users["staff"])
    closed_entry = make_entry(closed_assignment)
    closed_question = OpenQuestion(entry=closed_entry, text="Who owns the tape robot?")
    db.session.add(closed_question)
    closed.status = EngagementStatus.CLOSED
    closed.closed_at = utcnow()
    pdf = b"%PDF-1.7\n% a stand-in for the archived final report\n%%EOF\n"
    db.session.add(
        HandoverReport(
            engagement=closed,
            identifier=f"KT-{closed.id:05d}-F-TEST",
            generated_by=users["cto"],
            page_count=1,
            sha256=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf),
            pdf=pdf,
        )
    )
    build = ReportBuild(
        engagement=main,
        data_key="0" * 64,
        requested_by=users["cto"],
        status=BuildStatus.READY,
        started_at=utcnow(),
        finished_at=utcnow(),
        identifier=f"KT-{main.id:05d}-D-TEST",
        page_count=1,
        pdf=pdf,
    )
    db.session.add(build)
    db.session.commit()
    return World(
        build=build.id,
        users={name: user.id for name, user in users.items()},
        target_user=target_user.id,
        skill=skill.id,
        skill_to_archive=skill_to_archive.id,
        archived_skill=archived_skill.id,
        main=main.id,
        item=item.id,
        spare_item=spare_item.id,
        assignment=assignment.id,
        spare_assignment=spare_assignment.id,
        entry=entry.id,
        spare_entry=spare_entry.id,
        question=question.id,
        other=other.id,
        closed=closed.id,
        closed_item=closed_item.id,
        closed_assignment=closed_assignment.id,
        closed_entry=closed_entry.id,
        closed_question=closed_question.id,
    )


def url_arguments(w: World) -> dict[str, dict[str, int]]:
    """Endpoint → the URL arguments naming the main engagement's objects.

    Destructive actions get objects nothing else uses, so an allowed POST that deletes or
    archives does not change what later requests in the same world see.
    """
    return {
        "auth.login": {},
        "auth.logout": {},
        "auth.change_password": {},
        "auth.language": {},
        "auth.profile": {},
        "dashboard.index": {},
        "health.healthz": {},
        "users.index": {},
        "users.new": {},
        "users.edit": {"user_id": w.target_user},
        "users.password": {"user_id": w.target_user},
        "users.set_active": {"user_id": w.target_user},
        "skills.index": {},
        "skills.new": {},
        "skills.edit": {"skill_id": w.skill},
        "skills.archive": {"skill_id": w.skill_to_archive},
        "skills.restore": {"skill_id": w.archived_skill},
        "engagements.index": {},
        "engagements.new": {},
        "engagements.show": {"engagement_id": w.main},
        "engagements.history": {"engagement_id": w.main},
        "engagements.edit": {"engagement_id": w.main},
        "engagements.advance": {"engagement_id": w.main},
        "plans.new_item": {"engagement_id": w.main},
        "plans.edit_item": {"item_id": w.item},
        "plans.delete_item": {"item_id": w.spare_item},
        "plans.notes": {"item_id": w.item},
        "plans.assign": {"item_id": w.item},
        "plans.unassign": {"assignment_id": w.spare_assignment},
        "plans.set_phase": {"assignment_id": w.assignment},
        "plans.set_role": {"assignment_id": w.assignment},
        "learning.my_assignments": {},
        "learning.assignment": {"assignment_id": w.assignment},
        "learning.new_entry": {"assignment_id": w.assignment},
        "learning.edit_entry": {"entry_id": w.entry},
        "learning.delete_entry": {"entry_id": w.spare_entry},
        "learning.resolve_question": {"question_id": w.question},
        "learning.hide_entry": {"entry_id": w.entry},
        "learning.show_entry": {"entry_id": w.entry},
        "learning.erase_entry": {"entry_id": w.entry},
        "learning.hide_entries": {"engagement_id": w.main},
        "learning.show_hidden_act": {"engagement_id": w.main},
        "confirmations.confirm": {"assignment_id": w.assignment},
        "closing.close": {"engagement_id": w.main},
        "closing.retry": {"engagement_id": w.main},
        "reports.draft": {"engagement_id": w.main},
        "reports.build": {"build_id": w.build},
        "reports.build_file": {"build_id": w.build},
        "reports.final": {"engagement_id": w.closed},
        "reports.archive": {},
    }


def closed_url_arguments(w: World) -> dict[str, dict[str, int]]:
    """Endpoint → the URL arguments naming the closed engagement's objects."""
    return {
        "engagements.show": {"engagement_id": w.closed},
        "engagements.history": {"engagement_id": w.closed},
        "engagements.edit": {"engagement_id": w.closed},
        "engagements.advance": {"engagement_id": w.closed},
        "plans.new_item": {"engagement_id": w.closed},
        "plans.edit_item": {"item_id": w.closed_item},
        "plans.delete_item": {"item_id": w.closed_item},
        "plans.notes": {"item_id": w.closed_item},
        "plans.assign": {"item_id": w.closed_item},
        "plans.unassign": {"assignment_id": w.closed_assignment},
        "plans.set_phase": {"assignment_id": w.closed_assignment},
        "plans.set_role": {"assignment_id": w.closed_assignment},
        "learning.assignment": {"assignment_id": w.closed_assignment},
        "learning.new_entry": {"assignment_id": w.closed_assignment},
        "learning.edit_entry": {"entry_id": w.closed_entry},
        "learning.delete_entry": {"entry_id": w.closed_entry},
        "learning.resolve_question": {"question_id": w.closed_question},
        "learning.hide_entry": {"entry_id": w.closed_entry},
        "learning.show_entry": {"entry_id": w.closed_entry},
        "learning.erase_entry": {"entry_id": w.closed_entry},
        "learning.hide_entries": {"engagement_id": w.closed},
        "learning.show_hidden_act": {"engagement_id": w.closed},
        "confirmations.confirm": {"assignment_id": w.closed_assignment},
        "closing.close": {"engagement_id": w.closed},
        "closing.retry": {"engagement_id": w.closed},
        "reports.draft": {"engagement_id": w.closed},
        "reports.final": {"engagement_id": w.closed},
    }


def build_urls(app, arguments: dict[str, dict[str, int]]) -> dict[str, str]:
    with app.test_request_context():
        return {endpoint: url_for(endpoint, **args) for endpoint, args in arguments.items()}


def app_endpoints(app) -> dict[str, set[str]]:
    """Endpoint → the methods its rule allows (HEAD and OPTIONS aside)."""
    endpoints: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        endpoints.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return endpoints


def database_snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row, per table (``audit_events`` aside)."""
    _db.session.expire_all()
    snapshot = {}
    for table in _db.metadata.sorted_tables:
        if table.name in UNCHECKED_TABLES:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        rows = _db.session.execute(sa.select(table).order_by(*order)).all()
        digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
        snapshot[table.name] = (len(rows), digest)
    return snapshot


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


def is_login_redirect(response) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/login" and "next" in parse_qs(location.query)


def signed_in(app, world: World, actor: str) -> Browser:
    browser = Browser(app.test_client())
    if actor != "anonymous":
        browser.login(_db.session.get(User, world.users[actor]))
    return browser


def csrf_token(browser: Browser) -> str:
    """A token of the browser's session (valid until the session changes)."""
    for page in ("/", "/login"):
        html = browser.get(page).get_data(as_text=True)
        if "csrf_token" in html:
            return csrf_token_from(html)
    raise AssertionError("no page offers a CSRF token")


def check_status(response, expected) -> str | None:
    """None when ``response`` is what ``expected`` says, else what went wrong."""
    status = response.status_code
    if expected == LOGIN:
        if is_login_redirect(response):
            return None
        location = response.headers.get("Location", "")
        return f"expected a redirect to /login?next=…, got {status} {location}".strip()
    if status != expected:
        location = response.headers.get("Location", "")
        return f"expected {expected}, got {status} {location}".strip()
    if status == 302 and is_login_redirect(response):
        return "expected a redirect within the app, got one to the sign-in page"
    return None


def run_matrix(app, world: World, actor: str, table: dict, urls: dict[str, str]) -> list[str]:
    """Request every (endpoint, method) of ``table`` as ``actor``; returns the failures."""
    browser = signed_in(app, world, actor)
    token = csrf_token(browser)
    failures: list[str] = []
    # signing out ends the session: last
    order = sorted(table, key=lambda endpoint: (endpoint == "auth.logout", endpoint))
    for endpoint in order:
        url = urls[endpoint]
        for method in ("GET", "POST"):
            expected = expected_status(table, endpoint, method, actor)
            if method == "GET":
                response = browser.get(url)
            else:
                before = database_snapshot()
                data = {"csrf_token": token, **POST_DATA.get(endpoint, {})}
                response = browser.client.post(url, data=data)
                if expected in (LOGIN, 403, 404, 405):
                    changed = changed_tables(before, database_snapshot())
                    if changed:
                        failures.append(
                            f"{actor} POST {endpoint} ({url}) was refused but changed {changed}"
                        )
            problem = check_status(response, expected)
            if problem:
                failures.append(f"{actor} {method} {endpoint} ({url}): {problem}")
    return failures


def test_every_url_rule_has_an_entry(app):
    endpoints = app_endpoints(app)
    missing_entries = set(endpoints) - set(EXPECTED)
    assert not missing_entries, f"URL rules without a row in EXPECTED: {sorted(missing_entries)}"
    missing_rules = set(EXPECTED) - set(endpoints)
    assert not missing_rules, f"rows in EXPECTED without a URL rule: {sorted(missing_rules)}"
    for endpoint, methods in endpoints.items():
        assert set(EXPECTED[endpoint]) == methods, endpoint
    assert set(EXPECTED_ON_CLOSED) <= set(EXPECTED)
    for endpoint, rows in EXPECTED_ON_CLOSED.items():
        assert set(rows) == set(EXPECTED[endpoint]), endpoint
    for table in (EXPECTED, EXPECTED_ON_CLOSED):
        for endpoint, rows in table.items():
            for method, row in rows.items():
                assert len(row.split()) == len(ACTORS), (endpoint, method)


def test_url_mappings_cover_the_table(app, world):
    assert set(url_arguments(world)) == set(EXPECTED)
    assert set(closed_url_arguments(world)) == set(EXPECTED_ON_CLOSED)


@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix(app, world, actor):
    failures = run_matrix(app, world, actor, EXPECTED, build_urls(app, url_arguments(world)))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("actor", ACTORS)
def test_closed_engagement_is_read_only_for_everyone(app, world, actor):
    urls = build_urls(app, closed_url_arguments(world))
    failures = run_matrix(app, world, actor, EXPECTED_ON_CLOSED, urls)
    assert not failures, "\n".join(failures)


#: pages that narrow their choices by a search in the query string (``?q=``)
SEARCHED = ("plans.new_item", "plans.assign")


@pytest.mark.parametrize("actor", ACTORS)
def test_a_search_in_the_query_string_changes_no_answer(app, world, actor):
    """The search runs after the checks: whoever may not see or change the plan gets the
    same answer with it, on an open and on a closed engagement."""
    for table, arguments in (
        (EXPECTED, url_arguments(world)),
        (EXPECTED_ON_CLOSED, closed_url_arguments(world)),
    ):
        searched = {endpoint: {**arguments[endpoint], "q": "staff"} for endpoint in SEARCHED}
        urls = build_urls(app, searched)
        assert all("?q=staff" in url for url in urls.values())
        rows = {endpoint: table[endpoint] for endpoint in SEARCHED}
        failures = run_matrix(app, world, actor, rows, urls)
        assert not failures, "\n".join(failures)


@pytest.mark.parametrize("actor", ACTORS[1:])
def test_ids_that_do_not_exist_are_404_for_everyone(app, world, actor):
    """No id in a URL tells a missing object from a forbidden one by a 500."""
    browser = signed_in(app, world, actor)
    token = csrf_token(browser)
    endpoints = app_endpoints(app)
    failures = []
    for endpoint, args in url_arguments(world).items():
        if not args or endpoint not in endpoints:
            continue
        with app.test_request_context():
            url = url_for(endpoint, **dict.fromkeys(args, 2**31 - 1))
        for method in endpoints[endpoint]:
            if method == "GET":
                response = browser.get(url)
            else:
                response = browser.client.post(url, data={"csrf_token": token})
            if response.status_code not in (403, 404):
                failures.append(f"{actor} {method} {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
