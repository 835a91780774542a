"""The knowtrans benchmark: main pages, the very large report and (with --http) gunicorn.

    .venv/bin/python benchmarks/bench.py [--size huge] [--http] [--database-url URL]

It creates a fresh database (a SQLite file in a temporary folder unless --database-url names
an empty one, e.g. PostgreSQL), seeds the large demo company (or with --size huge ten times
it) and prints plain lines with the
budgets of docs/performance.md marked PASS or FAIL. It exits 0 even when a budget fails (it
reports; CI does not run it), 1 when a page does not answer 200 or one of its requests takes
longer than a second, and 2 when it cannot run. A --database-url database is
left as it was found: every table the benchmark created is dropped at the end.

Pages: Flask test client, server time around ``client.get`` and SQL statements counted on the
engine, after the heap is settled as ``knowtrans.wsgi`` settles it in every worker.

Report: ``build_report`` end to end against WeasyPrint alone on the identical HTML string
(same base URL and URL fetcher), once as WeasyPrint comes and once with build_report's
layout settings, interleaved, medians of three; peak memory is the VmHWM of a freshly
spawned process that creates the app and builds the report once.

With --http, gunicorn runs with gunicorn.conf.py, and ``knowtrans worker`` (one process)
beside it on a SQLite queue in the bench's folder. The very large engagement's page is read
over 16 connections, idle and while four people ask for the drafts of the largest
engagements (signed in, with the form's CSRF token, then following the build's page until
the PDF is ready); then the very large draft alone, click to PDF, against build_report
in-process just before and just after it (their mean), and the same draft asked for again.
The page's throughput is compared with ``minimal_app.py`` and ``minimal_sqlalchemy_app.py``
under the same settings.
"""

import argparse
import cProfile
import gc
import http.client
import io
import json
import math
import multiprocessing
import os
import pstats
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # config.py lives at the top level

#: the budgets (docs/performance.md)
PAGE_MEDIAN_MS = 50.0
PAGE_QUERIES = 15
REPORT_OVERHEAD_RATIO = 1.15
REPORT_PAGES_PER_SECOND = 10.0
REPORT_PEAK_MB = 500.0
#: no request of the app may take longer on the large data set (the bench exits 1)
REQUEST_CEILING_MS = 1000.0
#: under gunicorn: the engagement page's p99 while drafts are built, against idle
BUILDING_P99_RATIO = 2.0
#: click to ready PDF of the very large draft, against build_report in-process
CLICK_TO_READY_RATIO = 1.1
#: a draft already built for the data as it stands
READY_DRAFT_MS = 50.0
#: the very large engagement page's throughput against the minimal SQLAlchemy page
MINIMAL_SQL_RATIO = 0.3

PASSWORD = "knowtrans-demo"
ADMIN = "sam.porter@example.com"
CTO = "helena.brandt@example.com"
IT_LEAD = "markus.klein@example.com"

WARM_UP = 2
REPORT_REPEATS = 3
#: connections of the gunicorn load runs, and people asking for drafts at the same time
HTTP_CONNECTIONS = 16
DRAFT_PEOPLE = 4
#: seconds between two looks at a build's page (the browser's page looks every two)
BUILD_POLL = 0.25
READY_DRAFT_REPEATS = 9
#: seconds the drafts may take (the worker's JOB_TIME_LIMIT)
DRAFTS_TIME_LIMIT = 900.0


class BenchError(Exception):
    """The benchmark cannot run; the message says why."""


# --------------------------------------------------------------------------- arguments


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size",
        choices=("large", "huge"),
        default="large",
        help="the demo company to seed (seed-demo --size): huge is ten times large",
    )
    parser.add_argument("--http", action="store_true", help="also measure under gunicorn")
    parser.add_argument(
        "--database-url",
        help="an EMPTY database to use (default: a SQLite file in a temporary folder); "
        "the tables the benchmark creates are dropped at the end",
    )
    parser.add_argument("--requests", type=int, default=30, help="measured requests per page")
    parser.add_argument(
        "--http-requests", type=int, default=300, help="requests per gunicorn load run"
    )
    parser.add_argument(
        "--http-time-limit", type=float, default=120.0, help="seconds per gunicorn load run"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2)),
        help="gunicorn workers (default: WEB_CONCURRENCY or gunicorn.conf.py's 2 x CPUs)",
    )
    parser.add_argument(
        "--sql", action="store_true", help="print the SQL of pages over the query budget"
    )
    parser.add_argument(
        "--profile", action="store_true", help="print a profile of pages over the time budget"
    )
    parser.add_argument(
        "--only", metavar="TEXT", help="measure only the pages whose name contains TEXT"
    )
    parser.add_argument("--skip-report", action="store_true", help="do not measure the report")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.http_requests < 1 or args.workers < 1:
        parser.error("--requests, --http-requests and --workers must be at least 1")
    return args


# --------------------------------------------------------------------------- helpers


def say(line: str) -> None:
    print(line, flush=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` 0.95 for the 95th)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def p95(values: list[float]) -> float:
    return percentile(values, 0.95)


CSRF_PATTERNS = (
    re.compile(r'name="csrf_token"[^>]*value="([^"]+)"'),
    re.compile(r'value="([^"]+)"[^>]*name="csrf_token"'),
)


def csrf_token(html: str) -> str:
    for pattern in CSRF_PATTERNS:
        match = pattern.search(html)
        if match:
            return match.group(1)
    raise BenchError("the sign-in page has no csrf_token field")


@contextmanager
def statement_log(engine) -> Iterator[list[str]]:
    """Every SQL statement sent through ``engine`` while the block runs."""
    import sqlalchemy as sa

    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_cursor_execute)


# --------------------------------------------------------------------------- database


def make_app(database_url: str):
    from knowtrans import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url})


def settle_like_a_worker() -> None:
    """What knowtrans.wsgi does in every gunicorn worker once the app exists."""
    from knowtrans.core import heap

    heap.settle()


def create_schema(app) -> None:
    import sqlalchemy as sa

    from knowtrans.extensions import db

    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
        if tables:
            raise BenchError(
                f"the database is not empty ({len(tables)} tables, e.g. {tables[0]}); "
                "the benchmark needs an empty one and would drop what it finds at the end"
            )
        db.create_all()


def drop_schema(app) -> None:
    from knowtrans.extensions import db

    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def seed(app, size: str) -> int:
    """Seed the large (or huge) company through the CLI; the very large engagement's id."""
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--size", size])
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise BenchError(f"seed-demo --size {size} failed:\n{result.output}{result.exception!r}")
    match = re.search(r"very large engagement is (\d+)", result.output)
    if not match:
        raise BenchError(f"seed-demo did not name the very large engagement:\n{result.output}")
    counts = re.search(r"[A-Z][a-z]+ data set: ([^;]+)", result.output)
    say(f"seed: {seconds:.1f} s ({counts.group(1) if counts else size + ' data set'})")
    return int(match.group(1))


@dataclass(frozen=True)
class Targets:
    big_engagement_id: int
    normal_engagement_id: int
    big_assignment_id: int
    #: the plan item of that assignment (the assign page names its learners)
    big_item_id: int
    big_learner_email: str
    big_expert_email: str
    busy_staff_email: str
    busy_staff_assignments: int
    #: the engagements whose drafts DRAFT_PEOPLE people ask for, the very large one first
    largest_engagement_ids: tuple[int, ...]
    #: people who may ask for drafts (CTO and IT leads), one per draft
    report_people: tuple[str, ...]


def pick_targets(app, big_engagement_id: int) -> Targets:
    """The rows the pages are measured on, chosen by query (deterministic for a seed)."""
    import sqlalchemy as sa

    from knowtrans.engagements.models import Engagement, EngagementStatus
    from knowtrans.extensions import db
    from knowtrans.learning.models import LearningEntry
    from knowtrans.plans.models import Assignment, PlanItem
    from knowtrans.users.models import Role, User, UserRole

    with app.app_context():
        normal = db.session.scalar(
            sa.select(Engagement.id)
            .where(
                Engagement.id > big_engagement_id,
                Engagement.status == EngagementStatus.ACTIVE,
            )
            .order_by(Engagement.id)
            .limit(1)
        )
        entries = sa.func.count(LearningEntry.id)
        assignment_id, learner_id = db.session.execute(
            sa.select(Assignment.id, Assignment.learner_id)
            .join(PlanItem, Assignment.plan_item_id == PlanItem.id)
            .join(LearningEntry, LearningEntry.assignment_id == Assignment.id)
            .where(PlanItem.engagement_id == big_engagement_id)
            .group_by(Assignment.id, Assignment.learner_id)
            .order_by(entries.desc(), Assignment.id)
            .limit(1)
        ).one()
        expert_id = db.session.scalar(
            sa.select(Engagement.expert_id).where(Engagement.id == big_engagement_id)
        )
        busy_id, busy_count = db.session.execute(
            sa.select(Assignment.learner_id, sa.func.count(Assignment.id))
            .join(UserRole, UserRole.user_id == Assignment.learner_id)
            .where(UserRole.role == Role.STAFF)
            .group_by(Assignment.learner_id)
            .order_by(sa.func.count(Assignment.id).desc(), Assignment.learner_id)
            .limit(1)
        ).one()
        if normal is None:
            raise BenchError("the large data set has no active engagement besides the big one")
        others = db.session.scalars(
            sa.select(PlanItem.engagement_id)
            .join(Engagement, Engagement.id == PlanItem.engagement_id)
            .join(Assignment, Assignment.plan_item_id == PlanItem.id)
            .join(LearningEntry, LearningEntry.assignment_id == Assignment.id)
            .where(
                PlanItem.engagement_id != big_engagement_id,
                Engagement.status != EngagementStatus.CLOSED,
            )
            .group_by(PlanItem.engagement_id)
            .order_by(entries.desc(), PlanItem.engagement_id)
            .limit(DRAFT_PEOPLE - 1)
        ).all()
        people = db.session.scalars(
            sa.select(User.email)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role.in_([Role.CTO, Role.IT_LEAD]), User.active)
            .group_by(User.email)
            .order_by(User.email)
            .limit(DRAFT_PEOPLE)
        ).all()
        if not people:
            raise BenchError("the large data set has nobody who may ask for a draft report")
        return Targets(
            big_engagement_id=big_engagement_id,
            normal_engagement_id=normal,
            big_assignment_id=assignment_id,
            big_item_id=db.session.scalar(
                sa.select(Assignment.plan_item_id).where(Assignment.id == assignment_id)
            ),
            big_learner_email=db.session.get(User, learner_id).email,
            big_expert_email=db.session.get(User, expert_id).email,
            busy_staff_email=db.session.get(User, busy_id).email,
            busy_staff_assignments=busy_count,
            largest_engagement_ids=(big_engagement_id, *others),
            report_people=tuple(people),
        )


# --------------------------------------------------------------------------- pages


def sign_in(app, email: str):
    """A test client signed in through the real sign-in form (CSRF on)."""
    client = app.test_client()
    page = client.get("/login")
    if page.status_code != 200:
        raise BenchError(f"GET /login answered {page.status_code}")
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    if response.status_code != 302:
        raise BenchError(f"signing in as {email} failed (HTTP {response.status_code})")
    return client


@dataclass
class PageResult:
    name: str
    url: str
    status: int
    times_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    last_sql: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def slowest(self) -> float:
        return max(self.times_ms)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def passed(self) -> bool:
        return self.ok and self.median <= PAGE_MEDIAN_MS and max(self.queries) <= PAGE_QUERIES

    def line(self) -> str:
        if not self.ok:
            return f"page {self.name}: HTTP {self.status} for {self.url}  FAIL"
        low, high = min(self.queries), max(self.queries)
        queries = f"{high}" if low == high else f"{high} (min {low})"
        return (
            f"page {self.name}: median {self.median:.1f} ms, p95 {p95(self.times_ms):.1f} ms, "
            f"max {self.slowest:.1f} ms, {queries} queries  {verdict(self.passed)}"
        )


#: pages measured as a first view: the rendered parts the app keeps (``FRAGMENT_CACHE_MB``)
#: are dropped before each request, as after a write
FIRST_VIEW = "first view"


def measure_page(app, client, name: str, url: str, requests: int) -> PageResult:
    from knowtrans.extensions import db

    with app.app_context():
        engine = db.engine
    fragments = app.extensions["knowtrans.fragments"]
    cold = FIRST_VIEW in name
    for _ in range(WARM_UP):
        if cold:
            fragments.clear()
        response = client.get(url)
        if response.status_code != 200:
            return PageResult(name, url, response.status_code)
    result = PageResult(name, url, 200)
    for _ in range(requests):
        if cold:
            fragments.clear()
        with statement_log(engine) as statements:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            result.status = response.status_code
            return result
        result.times_ms.append(elapsed * 1000)
        result.queries.append(len(statements))
        result.last_sql = list(statements)
    return result


def profile_page(client, url: str, requests: int = 5) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(25)
    return out.getvalue()


def page_plan(targets: Targets) -> list[tuple[str, str, str]]:
    """(name, URL, who signs in) for each main page."""
    t = targets
    return [
        ("dashboard (cto)", "/", CTO),
        ("dashboard (it lead)", "/", IT_LEAD),
        ("engagements list", "/engagements", CTO),
        ("engagements filtered", "/engagements?status=active&q=platform", CTO),
        (f"engagement very large ({t.big_engagement_id})", _e(t.big_engagement_id), CTO),
        (
            f"engagement very large, {FIRST_VIEW} ({t.big_engagement_id})",
            _e(t.big_engagement_id),
            CTO,
        ),
        (f"engagement normal ({t.normal_engagement_id})", _e(t.normal_engagement_id), CTO),
        (
            f"engagement normal, {FIRST_VIEW} ({t.normal_engagement_id})",
            _e(t.normal_engagement_id),
            CTO,
        ),
        (
            f"assignment of very large ({t.big_assignment_id}, learner)",
            f"/assignments/{t.big_assignment_id}",
            t.big_learner_email,
        ),
        (
            f"my assignments ({t.busy_staff_assignments} assignments)",
            "/my/assignments",
            t.busy_staff_email,
        ),
        ("skills list", "/skills", IT_LEAD),
        ("users list", "/admin/users", ADMIN),
        ("reports archive", "/reports", CTO),
        (
            "learning entry form (learner)",
            f"/assignments/{t.big_assignment_id}/entries/new",
            t.big_learner_email,
        ),
        (
            "confirm page (expert)",
            f"/assignments/{t.big_assignment_id}/confirm",
            t.big_expert_email,
        ),
        # every skill not on the plan and every staff member may be chosen: the pages offer
        # the first few and a search
        ("add plan item form", f"{_e(t.big_engagement_id)}/plan/new", CTO),
        ("add plan item form, searched", f"{_e(t.big_engagement_id)}/plan/new?q=kube", CTO),
        ("assign learner form", f"/plan-items/{t.big_item_id}/assign", CTO),
        ("assign learner form, searched", f"/plan-items/{t.big_item_id}/assign?q=schmidt", CTO),
    ]


def _e(engagement_id: int) -> str:
    return f"/engagements/{engagement_id}"


def bench_pages(app, targets: Targets, args: argparse.Namespace) -> list[PageResult]:
    clients: dict[str, object] = {}
    results = []
    for name, url, email in page_plan(targets):
        if args.only and args.only not in name:
            continue
        if email not in clients:
            clients[email] = sign_in(app, email)
        result = measure_page(app, clients[email], name, url, args.requests)
        results.append(result)
        say(result.line())
        if args.sql and result.ok and max(result.queries) > PAGE_QUERIES:
            for statement in result.last_sql:
                say("    sql: " + " ".join(statement.split())[:300])
        if args.profile and result.ok and result.median > PAGE_MEDIAN_MS:
            say(profile_page(clients[email], url))
    return results


# --------------------------------------------------------------------------- report


def _rss_mb(key: str) -> float | None:
    """VmRSS or VmHWM of this process from /proc (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _peak_child(database_url: str, engagement_id: int, queue) -> None:
    """In a fresh interpreter (as a gunicorn worker starts): create the app, build the
    report once, and report the resident set before the build and its high-water mark."""
    try:
        app = make_app(database_url)
        from knowtrans.reports.build import build_report

        before = _rss_mb("VmRSS")
        with app.app_context():
            build_report(engagement_id, final=False, generated_by=None)
        peak = _rss_mb("VmHWM")
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        queue.put(("ok", before, peak, maxrss))
    except BaseException as error:
        queue.put(("error", repr(error), None, None))


def measure_peak(database_url: str, engagement_id: int) -> tuple[float, float | None, str]:
    """(peak MB, resident MB before the build, how it was measured)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_peak_child, args=(database_url, engagement_id, queue))
    child.start()
    try:
        outcome = queue.get(timeout=900)
    finally:
        child.join(timeout=60)
        if child.is_alive():
            child.kill()
            child.join()
    status, before, peak, maxrss = outcome
    if status != "ok":
        raise BenchError(f"building the report in a child process failed: {before}")
    if peak is not None:
        return peak, before, "VmHWM (peak resident set) of a fresh spawned Python process"
    return maxrss, before, "ru_maxrss of a fresh spawned Python process"


def bench_report(app, database_url: str, engagement_id: int) -> float:
    """Print the report's figures; the median seconds of ``build_report``."""
    from weasyprint import HTML

    from knowtrans.core.clock import utcnow
    from knowtrans.core.heap import fewer_collections
    from knowtrans.extensions import db
    from knowtrans.reports import build as build_module
    from knowtrans.reports.build import build_report, report_identifier
    from knowtrans.reports.data import gather_report_data
    from knowtrans.reports.fetcher import BASE_URL, ReportURLFetcher
    from knowtrans.reports.render import ReportHTML, render_html

    generated_at = utcnow().replace(microsecond=0)
    kinds = ("ours", "weasyprint", "same settings")
    cpu: dict[str, list[float]] = {kind: [] for kind in kinds}

    def timed(kind: str, work) -> tuple[float, int]:
        gc.collect()  # the previous run's garbage is not this run's cost
        started, cpu_started = time.perf_counter(), time.process_time()
        pages = work()
        cpu[kind].append(time.process_time() - cpu_started)
        return time.perf_counter() - started, pages

    def ours() -> tuple[float, int]:
        db.session.remove()

        def work() -> int:
            return build_report(
                engagement_id, final=False, generated_by=None, generated_at=generated_at
            ).page_count

        return timed("ours", work)

    def weasyprint_alone(html: str) -> tuple[float, int]:
        # WeasyPrint as it comes: the identical HTML string, base URL and URL fetcher
        def work() -> int:
            document = HTML(string=html, base_url=BASE_URL, url_fetcher=ReportURLFetcher())
            rendered = document.render()
            rendered.write_pdf()
            return len(rendered.pages)

        return timed("weasyprint", work)

    def weasyprint_like_ours(html: str) -> tuple[float, int]:
        # exactly html_to_pdf's settings (user-agent stylesheet, collector): the ratio to
        # this is the cost of our own code around the layout
        def work() -> int:
            with fewer_collections():
                document = ReportHTML(
                    string=html, base_url=BASE_URL, url_fetcher=ReportURLFetcher()
                )
                rendered = document.render()
                rendered.write_pdf()
                return len(rendered.pages)

        return timed("same settings", work)

    with app.app_context():
        # warm up all three (fonts, stylesheets, template compilation), keeping the HTML that
        # build_report renders so the WeasyPrint-only runs lay out the identical string
        captured: list[str] = []
        original = build_module.render_html

        def capturing(data):
            captured.append(original(data))
            return captured[-1]

        build_module.render_html = capturing
        try:
            ours()
        finally:
            build_module.render_html = original
        html = captured[0]
        weasyprint_alone(html)
        weasyprint_like_ours(html)

        gather_times, render_times = [], []
        for _ in range(REPORT_REPEATS):
            db.session.remove()
            started = time.perf_counter()
            data = gather_report_data(
                engagement_id,
                final=False,
                generated_by=None,
                generated_at=generated_at,
                identifier=report_identifier(engagement_id, False, generated_at),
            )
            gather_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            rendered = render_html(data)
            render_times.append(time.perf_counter() - started)
        if rendered != html:
            raise BenchError("gathering the report twice gave different HTML; cannot compare")

        seconds: dict[str, list[float]] = {kind: [] for kind in kinds}
        page_counts: dict[str, int] = {}
        for runs in cpu.values():
            runs.clear()  # the warm-up does not count
        runs = dict(
            zip(
                kinds,
                (ours, lambda: weasyprint_alone(html), lambda: weasyprint_like_ours(html)),
                strict=True,
            )
        )
        for repeat in range(REPORT_REPEATS):
            # interleaved, so noise hits all alike, and each kind takes each place in the
            # order once: a run right after WeasyPrint's stock run starts on a larger heap
            order = kinds[repeat % len(kinds) :] + kinds[: repeat % len(kinds)]
            for kind in order:
                elapsed, page_counts[kind] = runs[kind]()
                seconds[kind].append(elapsed)
        db.session.remove()
    if len(set(page_counts.values())) != 1:
        raise BenchError(f"the runs made different numbers of pages: {page_counts}")
    pages = page_counts["ours"]

    peak, before, how = measure_peak(database_url, engagement_id)
    median = statistics.median
    total, stock, alike = (median(seconds[kind]) for kind in kinds)
    ratio, ratio_alike = total / stock, total / alike
    per_second = pages / total
    say(
        f"report: {pages} pages, {total:.2f} s, {per_second:.1f} pages/s, peak {peak:.0f} MB, "
        f"overhead ratio {ratio:.2f}"
    )
    say(
        f"report detail: engagement {engagement_id}, HTML {len(html) / 1024:.0f} KB; medians of "
        f"{REPORT_REPEATS}: build_report {total:.2f} s = gather {median(gather_times):.2f} s"
        f" + render HTML {median(render_times):.2f} s + layout/PDF; WeasyPrint alone "
        f"{stock:.2f} s, with build_report's settings {alike:.2f} s"
    )
    for kind in kinds:
        say(f"report runs, {kind}: {', '.join(f'{s:.2f} s' for s in seconds[kind])}")
    cpu_ours, cpu_stock, cpu_alike = (median(cpu[kind]) for kind in kinds)
    say(
        f"report CPU time (less sensitive to a busy machine): build_report {cpu_ours:.2f} s, "
        f"WeasyPrint alone {cpu_stock:.2f} s (ratio {cpu_ours / cpu_stock:.2f}), with "
        f"build_report's settings {cpu_alike:.2f} s (ratio {cpu_ours / cpu_alike:.2f}); "
        f"{pages / cpu_ours:.1f} pages per CPU second"
    )
    before_text = f"{before:.0f} MB resident after create_app" if before else "no baseline"
    say(f"report memory: {how} building the report once; {before_text}")
    say(
        f"report overhead ratio {ratio:.2f} <= {REPORT_OVERHEAD_RATIO}  "
        f"{verdict(ratio <= REPORT_OVERHEAD_RATIO)}"
    )
    say(
        f"report overhead ratio against WeasyPrint with build_report's settings "
        f"{ratio_alike:.2f} <= {REPORT_OVERHEAD_RATIO}  "
        f"{verdict(ratio_alike <= REPORT_OVERHEAD_RATIO)}"
    )
    say(
        f"report speed {per_second:.1f} pages/s >= {REPORT_PAGES_PER_SECOND:.0f}  "
        f"{verdict(per_second >= REPORT_PAGES_PER_SECOND)}"
    )
    say(f"report peak {peak:.0f} MB <= {REPORT_PEAK_MB:.0f}  {verdict(peak <= REPORT_PEAK_MB)}")
    return total


def time_build_once(app, engagement_id: int) -> float:
    """Seconds of one ``build_report`` in this process (--skip-report with --http)."""
    from knowtrans.extensions import db
    from knowtrans.reports.build import build_report

    with app.app_context():
        gc.collect()
        started = time.perf_counter()
        build_report(engagement_id, final=False, generated_by=None)
        seconds = time.perf_counter() - started
        db.session.remove()
    say(f"report: build_report once in this process, {seconds:.2f} s")
    return seconds


# --------------------------------------------------------------------------- gunicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_process(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """``command`` in its own session (so it can be stopped with all its children), its
    output appended to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=os.environ | env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # gunicorn's master and huey's consumer stop their children
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the parent and its children
        process.wait(timeout=10)


def log_tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py on a free localhost port; stop() always."""

    def __init__(self, target: str, workers: int, env: dict[str, str], log: Path, extra=()):
        self.port = free_port()
        self.log = log
        environment = env | {"BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers)}
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *extra, target]
        self.process = start_process(command, environment, log)

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                status, _headers, _body = http_get(self.port, path)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(
            f"gunicorn did not answer 200 on {path} in {timeout:.0f} s:\n{self.tail()}"
        )

    def tail(self, lines: int = 20) -> str:
        return log_tail(self.log, lines)

    def stop(self) -> None:
        stop_process(self.process)


class Worker:
    """``knowtrans worker`` (one process) on the benchmark's database and queue; stop()
    always."""

    def __init__(self, env: dict[str, str], log: Path):
        self.log = log
        command = [str(Path(sys.executable).parent / "knowtrans"), "worker", "--processes", "1"]
        self.process = start_process(command, env, log)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"the worker exited ({self.process.returncode}):\n{self.tail()}")
            if " ready" in log_tail(self.log, 50):
                return
            time.sleep(0.2)
        raise BenchError(f"the worker was not ready in {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 20) -> str:
        return log_tail(self.log, lines)

    def stop(self) -> None:
        stop_process(self.process)


def http_get(port: int, path: str, cookie: str | None = None) -> tuple[int, object, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


class Browser:
    """One person over HTTP: a keep-alive connection and the session cookie, renewed from
    every answer (the CSRF token lives in the session)."""

    def __init__(self, port: int, cookie_name: str):
        self.port = port
        self.cookie_name = cookie_name
        self.cookie: str | None = None
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, object, bytes]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # a sync worker closed the kept-alive connection: once more
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        content = response.read()
        if response.will_close:
            self.conn.close()
        self.cookie = _cookie(response.headers, self.cookie_name) or self.cookie
        return response.status, response.headers, content

    def sign_in(self, email: str) -> None:
        status, _headers, body = self.request("GET", "/login")
        if status != 200 or self.cookie is None:
            raise BenchError(f"GET /login over HTTP answered {status} without a session cookie")
        token = csrf_token(body.decode())
        form = {"email": email, "password": PASSWORD, "csrf_token": token}
        status, _headers, _body = self.request("POST", "/login", form)
        if status != 302:
            raise BenchError(f"signing in as {email} over HTTP failed (HTTP {status})")

    def close(self) -> None:
        self.conn.close()


def _cookie(headers, name: str) -> str | None:
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith(name + "="):
            return value.split(";", 1)[0]
    return None


def http_sign_in(port: int, email: str, cookie_name: str) -> str:
    """The session cookie (``name=value``) after signing in through the form."""
    browser = Browser(port, cookie_name)
    try:
        browser.sign_in(email)
    finally:
        browser.close()
    assert browser.cookie is not None
    return browser.cookie


@dataclass
class LoadResult:
    completed: int
    seconds: float
    errors: dict[str, int]
    timed_out: bool
    times_ms: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def drive(
    port: int,
    path: str,
    cookie: str | None,
    total: int,
    concurrency: int,
    time_limit: float,
    until: threading.Event | None = None,
) -> LoadResult:
    """``total`` GETs from ``concurrency`` threads with keep-alive connections (http.client
    reconnects by itself when a sync worker closes the connection), stopping at the limit,
    or, with ``until``, as many as fit until it is set. Every request's time is kept; a
    request without an answer in 30 s (gunicorn's timeout) counts as failed."""
    lock = threading.Lock()
    issued = 0
    completed = 0
    errors: dict[str, int] = {}
    times_ms: list[float] = []
    deadline = time.monotonic() + time_limit
    headers = {"Cookie": cookie} if cookie else {}

    def enough() -> bool:
        if time.monotonic() > deadline:
            return True
        if until is not None:
            return until.is_set()
        return issued >= total

    def worker() -> None:
        nonlocal issued, completed
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while True:
                with lock:
                    if enough():
                        return
                    issued += 1
                started = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    outcome = str(response.status)
                    if response.will_close:
                        conn.close()
                except (OSError, http.client.HTTPException) as error:
                    outcome = type(error).__name__
                    conn.close()
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if outcome == "200":
                        completed += 1
                        times_ms.append(elapsed)
                    else:
                        errors[outcome] = errors.get(outcome, 0) + 1
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(time_limit + 90)
    seconds = time.perf_counter() - started
    timed_out = time.monotonic() > deadline and (until is None or not until.is_set())
    return LoadResult(completed, seconds, errors, timed_out, times_ms)


def load_line(label: str, result: LoadResult, concurrency: int) -> str:
    extra = ""
    if result.times_ms:
        times = result.times_ms
        extra += (
            f"; p50 {statistics.median(times):.0f} ms, p99 {percentile(times, 0.99):.0f} ms, "
            f"max {max(times):.0f} ms"
        )
    if result.errors:
        extra += f", errors {result.errors}"
    if result.timed_out:
        extra += ", stopped at the time limit"
    return (
        f"http {label}: {result.per_second:.1f} requests/s ({result.completed} requests in "
        f"{result.seconds:.1f} s, {concurrency} connections{extra})"
    )


@dataclass
class DraftOutcome:
    engagement_id: int
    email: str
    seconds: float = 0.0
    pages: str = ""
    error: str = ""
    answered_at_once: bool = False


def ask_for_draft(
    browser: Browser, engagement_id: int, time_limit: float, on_asked=None
) -> DraftOutcome:
    """A person's click on "Download draft report" on the engagement page, then the build's
    page until it is ready, then the PDF: the seconds from the click to the PDF's last byte.
    ``on_asked()`` runs once the click has been answered."""
    outcome = DraftOutcome(engagement_id, "")
    status, _headers, body = browser.request("GET", _e(engagement_id))
    if status != 200:
        outcome.error = f"the engagement page answered {status}"
        return outcome
    token = csrf_token(body.decode())
    started = time.perf_counter()
    status, headers, body = browser.request(
        "POST", f"/engagements/{engagement_id}/report/draft", {"csrf_token": token}
    )
    if on_asked is not None:
        on_asked()
    if status == 200 and headers.get("Content-Type") == "application/pdf":
        outcome.seconds, outcome.answered_at_once = time.perf_counter() - started, True
        return outcome
    if status != 303:
        outcome.error = f"asking for the draft answered {status}"
        return outcome
    page = urllib.parse.urlsplit(headers["Location"]).path
    deadline = time.monotonic() + time_limit
    while time.monotonic() < deadline:
        status, _headers, body = browser.request("GET", page)
        text = body.decode(errors="replace")
        if status != 200:
            outcome.error = f"the build's page answered {status}"
            return outcome
        if "status-failed" in text:
            outcome.error = "the build failed"
            return outcome
        if "status-ready" in text:
            status, headers, body = browser.request("GET", page + "/pdf")
            outcome.seconds = time.perf_counter() - started
            if status != 200 or not body.startswith(b"%PDF"):
                outcome.error = f"the ready draft answered {status}"
            match = re.search(r"(\d+) pages", text)
            outcome.pages = match.group(1) if match else "?"
            return outcome
        time.sleep(BUILD_POLL)
    outcome.error = f"not ready after {time_limit:.0f} s"
    return outcome


def forget_drafts(app, engagement_ids: tuple[int, ...]) -> None:
    """Drop the drafts built so far, so the next request builds anew (the bench's own
    database)."""
    import sqlalchemy as sa

    from knowtrans.extensions import db
    from knowtrans.reports.models import ReportBuild

    with app.app_context():
        db.session.execute(
            sa.delete(ReportBuild).where(ReportBuild.engagement_id.in_(engagement_ids))
        )
        db.session.commit()
        db.session.remove()


def drafts_while_loaded(
    port: int,
    cookie: str,
    cookie_name: str,
    targets: Targets,
    time_limit: float,
) -> tuple[LoadResult, list[DraftOutcome]]:
    """DRAFT_PEOPLE people ask for the drafts of the largest engagements (the very large one
    first, so it is first in the queue) while HTTP_CONNECTIONS connections read the very
    large engagement's page, until every draft is ready."""
    people = [
        (targets.report_people[i % len(targets.report_people)], engagement_id)
        for i, engagement_id in enumerate(targets.largest_engagement_ids)
    ]
    browsers = []
    for email, _engagement_id in people:
        browser = Browser(port, cookie_name)
        browser.sign_in(email)
        browsers.append(browser)
    outcomes: list[DraftOutcome | None] = [None] * len(people)
    done = threading.Event()
    first_asked = threading.Event()

    def person(index: int) -> None:
        email, engagement_id = people[index]
        if index:  # the others click once the very large draft is queued
            first_asked.wait(30)
        try:
            outcome = ask_for_draft(
                browsers[index],
                engagement_id,
                time_limit,
                on_asked=None if index else first_asked.set,
            )
        except (OSError, http.client.HTTPException, BenchError) as error:
            outcome = DraftOutcome(engagement_id, "", error=repr(error))
        finally:
            first_asked.set()
        outcome.email = email
        outcomes[index] = outcome

    def everyone() -> None:
        threads = [
            threading.Thread(target=person, args=(i,), daemon=True) for i in range(len(people))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()

    coordinator = threading.Thread(target=everyone, daemon=True)
    coordinator.start()
    load = drive(
        port, _e(targets.big_engagement_id), cookie, 0, HTTP_CONNECTIONS, time_limit, until=done
    )
    coordinator.join(60)
    for browser in browsers:
        browser.close()
    return load, [outcome for outcome in outcomes if outcome is not None]


def draft_line(outcome: DraftOutcome) -> str:
    if outcome.error:
        return f"draft of engagement {outcome.engagement_id} ({outcome.email}): {outcome.error}"
    how = "answered at once" if outcome.answered_at_once else f"{outcome.pages} pages"
    return (
        f"draft of engagement {outcome.engagement_id} ({outcome.email}): click to PDF "
        f"{outcome.seconds:.1f} s ({how})"
    )


def ready_draft_times(browser: Browser, engagement_id: int) -> list[float]:
    """Milliseconds of asking again for a draft built for the data as it stands (the PDF's
    last byte included)."""
    status, _headers, body = browser.request("GET", _e(engagement_id))
    token = csrf_token(body.decode())
    times = []
    for _ in range(READY_DRAFT_REPEATS):
        started = time.perf_counter()
        status, _headers, body = browser.request(
            "POST", f"/engagements/{engagement_id}/report/draft", {"csrf_token": token}
        )
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200 or not body.startswith(b"%PDF"):
            raise BenchError(f"asking again for the ready draft answered {status}")
        times.append(elapsed)
    return times


def worker_job_lines(log: Path, kind: str) -> list[str]:
    """The worker's log line of every ``kind`` job: its arguments, seconds and result."""
    lines = []
    for line in log_tail(log, 10_000).splitlines():
        start = line.find("{")
        if start < 0 or f'"job": "{kind}"' not in line:
            continue
        try:
            facts = json.loads(line[start:])
        except ValueError:
            continue
        lines.append(f"{kind} {facts.get('args')}: {facts.get('seconds')} s, {facts.get('result')}")
    return lines


def why_a_ready_draft_takes(app, engagement_id: int) -> str:
    """What answering a ready draft costs in-process: the data's hash, which gathers the
    report's data to know whether it changed, and the PDF's size."""
    import sqlalchemy as sa

    from knowtrans.core.clock import today
    from knowtrans.extensions import db
    from knowtrans.reports.build import draft_key
    from knowtrans.reports.models import ReportBuild

    with app.app_context():
        times = []
        for _ in range(3):
            db.session.remove()
            started = time.perf_counter()
            draft_key(engagement_id, today())
            times.append((time.perf_counter() - started) * 1000)
        size = db.session.scalar(
            sa.select(sa.func.max(sa.func.length(ReportBuild.pdf))).where(
                ReportBuild.engagement_id == engagement_id
            )
        )
        db.session.remove()
    return (
        f"ready draft: draft_key (gathering and hashing the report's data) "
        f"{statistics.median(times):.0f} ms in-process (median of 3); the PDF is "
        f"{(size or 0) / 1024:.0f} KB"
    )


def bench_http(
    app,
    database_url: str,
    targets: Targets,
    args: argparse.Namespace,
    workdir: Path,
    build_seconds: float,
) -> None:
    """Pages under gunicorn with a worker beside it: idle, while drafts are built, and the
    drafts themselves; then the minimal pages the engagement page is compared with."""
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "KNOWTRANS_ENV": "development",  # production would need HTTPS for its cookies
        "KNOWTRANS_INSTANCE_PATH": str(workdir),
        "TASK_QUEUE_URL": f"sqlite:///{workdir / 'tasks.db'}",  # a queue of its own
    }
    connections = HTTP_CONNECTIONS
    warm_up = 4 * args.workers
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    big = targets.big_engagement_id
    pages = [
        (f"engagement page very large ({big})", big),
        (f"engagement page normal ({targets.normal_engagement_id})", targets.normal_engagement_id),
    ]
    say(
        f"http: gunicorn -c gunicorn.conf.py, {args.workers} workers, knowtrans worker "
        f"(1 process) on a SQLite queue of its own, {args.http_requests} requests per run, "
        f"{connections} connections, load generator in this process"
    )
    results: dict[int, LoadResult] = {}
    worker = Worker(env, workdir / "worker.log")
    server = Gunicorn("knowtrans.wsgi:app", args.workers, env, workdir / "gunicorn-knowtrans.log")
    try:
        worker.wait_ready()
        server.wait_ready("/healthz")
        cookie = http_sign_in(server.port, CTO, cookie_name)
        for label, engagement_id in pages:
            path = _e(engagement_id)
            status, _headers, _body = http_get(server.port, path, cookie)
            if status != 200:
                raise BenchError(f"GET {path} under gunicorn answered {status}")
            drive(server.port, path, cookie, warm_up, connections, args.http_time_limit)
            results[engagement_id] = drive(
                server.port, path, cookie, args.http_requests, connections, args.http_time_limit
            )
            say(load_line(label + ", idle", results[engagement_id], connections))
        idle = results[big]

        people = len(targets.largest_engagement_ids)
        loaded, drafts = drafts_while_loaded(
            server.port, cookie, cookie_name, targets, DRAFTS_TIME_LIMIT
        )
        say(load_line(f"{pages[0][0]}, while {people} drafts are built", loaded, connections))
        for outcome in drafts:
            say(draft_line(outcome))

        forget_drafts(app, (big,))
        browser = Browser(server.port, cookie_name)
        try:
            browser.sign_in(targets.report_people[0])
            # the in-process build it is held against runs just before and just after it,
            # gunicorn and the worker idle beside it: the same machine, the same minute (a
            # build measured a quarter of an hour earlier drifted with the machine's speed)
            beside = [time_build_once(app, big)]
            alone = ask_for_draft(browser, big, DRAFTS_TIME_LIMIT)
            alone.email = targets.report_people[0]
            say(draft_line(alone).replace("draft of", "draft, nothing else running, of"))
            beside.append(time_build_once(app, big))
            again = ready_draft_times(browser, big) if not alone.error else []
        finally:
            browser.close()
    finally:
        server.stop()
        worker.stop()
    for line in worker_job_lines(worker.log, "report.draft"):
        say(f"worker: {line}")
    if again:
        say(why_a_ready_draft_takes(app, big))

    minimal_rates = {}
    for label, target, path in (
        ("minimal Flask page", "minimal_app:app", "/"),
        ("minimal SQLAlchemy page", "minimal_sqlalchemy_app:app", _e(big)),
    ):
        minimal = Gunicorn(
            target,
            args.workers,
            env,
            workdir / f"gunicorn-{target.split(':')[0]}.log",
            extra=("--pythonpath", str(ROOT / "benchmarks")),
        )
        try:
            minimal.wait_ready(path)
            drive(minimal.port, path, None, warm_up, connections, args.http_time_limit)
            # ten times as many requests: the minimal pages are fast enough that 300 last < 1 s
            result = drive(
                minimal.port, path, None, 10 * args.http_requests, connections, args.http_time_limit
            )
            minimal_rates[label] = result.per_second
            say(load_line(label, result, connections))
        finally:
            minimal.stop()
    for label, engagement_id in pages:
        rate = results[engagement_id].per_second
        for minimal_label, minimal_rate in minimal_rates.items():
            ratio = rate / minimal_rate if minimal_rate else 0.0
            say(f"http ratio {label} / {minimal_label}: {ratio:.3f}")

    say("http targets:")
    idle_p99 = percentile(idle.times_ms, 0.99)
    loaded_p99 = percentile(loaded.times_ms, 0.99) if loaded.times_ms else math.inf
    say(
        f"  page p99 while {people} drafts are built {loaded_p99:.0f} ms <= "
        f"{BUILDING_P99_RATIO:.0f} x idle {idle_p99:.0f} ms (ratio {loaded_p99 / idle_p99:.2f})"
        f"  {verdict(loaded_p99 <= BUILDING_P99_RATIO * idle_p99)}"
    )
    failures = idle.failed + loaded.failed
    cut_short = idle.timed_out or loaded.timed_out
    say(
        f"  page requests failed or unanswered in 30 s: {failures} (idle {idle.failed}, while "
        f"building {loaded.failed}){', a run stopped at its time limit' if cut_short else ''}"
        f"  {verdict(not failures and not cut_short)}"
    )
    drafts_failed = [outcome for outcome in [*drafts, alone] if outcome.error]
    say(f"  drafts failed or not ready: {len(drafts_failed)}  {verdict(not drafts_failed)}")
    if not alone.error:
        adjacent = statistics.mean(beside)
        ratio = alone.seconds / adjacent
        say(
            f"  very large draft, click to ready PDF {alone.seconds:.1f} s <= "
            f"{CLICK_TO_READY_RATIO} x build_report in-process just before and after it "
            f"{beside[0]:.1f} / {beside[1]:.1f} s (ratio {ratio:.2f}; against the report "
            f"section's {build_seconds:.1f} s: {alone.seconds / build_seconds:.2f})  "
            f"{verdict(ratio <= CLICK_TO_READY_RATIO)}"
        )
    if again:
        median_again = statistics.median(again)
        say(
            f"  the unchanged draft asked for again: median {median_again:.0f} ms of "
            f"{len(again)} (max {max(again):.0f} ms) <= {READY_DRAFT_MS:.0f} ms  "
            f"{verdict(median_again <= READY_DRAFT_MS)}"
        )
    sql_rate = minimal_rates["minimal SQLAlchemy page"]
    ratio = idle.per_second / sql_rate if sql_rate else 0.0
    say(
        f"  very large engagement page {idle.per_second:.1f} requests/s / minimal SQLAlchemy "
        f"page {sql_rate:.1f} = {ratio:.3f} >= {MINIMAL_SQL_RATIO}  "
        f"{verdict(ratio >= MINIMAL_SQL_RATIO)}"
    )


# --------------------------------------------------------------------------- main


def machine_line() -> str:
    import platform

    import sqlalchemy as sa
    import weasyprint

    return (
        f"machine: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLAlchemy {sa.__version__}, WeasyPrint {weasyprint.__version__}"
    )


def _terminate(signum, _frame) -> None:
    raise SystemExit(128 + signum)  # runs the finally blocks: gunicorn stopped, tables dropped


def run(args: argparse.Namespace, workdir: Path) -> int:
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    app = make_app(database_url)
    say(machine_line())
    say(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    create_schema(app)
    try:
        targets = pick_targets(app, seed(app, args.size))
        settle_like_a_worker()
        results = bench_pages(app, targets, args)
        failed = [r.name for r in results if not r.passed]
        say(
            f"pages: {len(results) - len(failed)} of {len(results)} within budget "
            f"(median <= {PAGE_MEDIAN_MS:.0f} ms, <= {PAGE_QUERIES} queries)"
        )
        too_slow = [r for r in results if r.ok and r.slowest > REQUEST_CEILING_MS]
        for result in too_slow:
            say(
                f"request ceiling: a request of {result.name} ({result.url}) took "
                f"{result.slowest:.0f} ms > {REQUEST_CEILING_MS:.0f} ms  FAIL"
            )
        if results and not too_slow:
            slowest = max((r for r in results if r.ok), key=lambda r: r.slowest, default=None)
            if slowest is not None:
                say(
                    f"request ceiling: slowest request {slowest.slowest:.0f} ms ({slowest.name})"
                    f" <= {REQUEST_CEILING_MS:.0f} ms  PASS"
                )
        build_seconds = None
        if not args.skip_report:
            build_seconds = bench_report(app, database_url, targets.big_engagement_id)
        if args.http:
            if build_seconds is None:
                build_seconds = time_build_once(app, targets.big_engagement_id)
            bench_http(app, database_url, targets, args, workdir, build_seconds)
        return 0 if all(r.ok for r in results) and not too_slow else 1
    finally:
        if args.database_url:
            drop_schema(app)
            say("database: the benchmark's tables were dropped")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="knowtrans-bench-"))
    # before knowtrans/config is imported: nothing is written to the real instance folder
    os.environ["KNOWTRANS_INSTANCE_PATH"] = str(workdir)
    os.environ["KNOWTRANS_ENV"] = "development"
    os.environ["SECRET_KEY"] = secrets.token_hex(32)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(args, workdir)
    except BenchError as error:
        print(f"bench: cannot run: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
