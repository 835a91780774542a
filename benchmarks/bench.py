"""The knowtrans benchmark: main pages, the very large report and (with --http) gunicorn.

    .venv/bin/python benchmarks/bench.py [--size huge] [--http] [--database-url URL]

It creates a fresh database (a SQLite file in a temporary folder unless --database-url names
an empty one, e.g. PostgreSQL), seeds the large demo company (or with --size huge ten times
it) and prints plain lines with the
budgets of docs/performance.md marked PASS or FAIL. It exits 0 even when a budget fails (it
reports; CI does not run it) and non-zero only when it cannot run. A --database-url database is
left as it was found: every table the benchmark created is dropped at the end.

Pages: Flask test client, server time around ``client.get`` and SQL statements counted on the
engine, after the heap is settled as ``knowtrans.wsgi`` settles it in every worker.

Report: ``build_report`` end to end against WeasyPrint alone on the identical HTML string
(same base URL and URL fetcher), once as WeasyPrint comes and once with build_report's
layout settings, interleaved, medians of three; peak memory is the VmHWM of a freshly
spawned process that creates the app and builds the report once. With --http, gunicorn
runs with gunicorn.conf.py for knowtrans and for ``minimal_app.py``.
"""

import argparse
import cProfile
import gc
import http.client
import io
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

PASSWORD = "knowtrans-demo"
ADMIN = "sam.porter@example.com"
CTO = "helena.brandt@example.com"
IT_LEAD = "markus.klein@example.com"

WARM_UP = 2
REPORT_REPEATS = 3


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


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


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
    big_learner_email: str
    big_expert_email: str
    busy_staff_email: str
    busy_staff_assignments: int


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
        return Targets(
            big_engagement_id=big_engagement_id,
            normal_engagement_id=normal,
            big_assignment_id=assignment_id,
            big_learner_email=db.session.get(User, learner_id).email,
            big_expert_email=db.session.get(User, expert_id).email,
            busy_staff_email=db.session.get(User, busy_id).email,
            busy_staff_assignments=busy_count,
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
            f"{queries} queries  {verdict(self.passed)}"
        )


def measure_page(app, client, name: str, url: str, requests: int) -> PageResult:
    from knowtrans.extensions import db

    with app.app_context():
        engine = db.engine
    for _ in range(WARM_UP):
        response = client.get(url)
        if response.status_code != 200:
            return PageResult(name, url, response.status_code)
    result = PageResult(name, url, 200)
    for _ in range(requests):
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
        (f"engagement normal ({t.normal_engagement_id})", _e(t.normal_engagement_id), CTO),
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


def bench_report(app, database_url: str, engagement_id: int) -> None:
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


# --------------------------------------------------------------------------- gunicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py on a free localhost port; stop() always."""

    def __init__(self, target: str, workers: int, env: dict[str, str], log: Path, extra=()):
        self.port = free_port()
        self.log = log
        environment = (
            os.environ
            | env
            | {
                "BIND": f"127.0.0.1:{self.port}",
                "WEB_CONCURRENCY": str(workers),
            }
        )
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *extra, target]
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

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
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()  # the master stops its workers gracefully
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: master and workers
            self.process.wait(timeout=10)


def http_get(port: int, path: str, cookie: str | None = None) -> tuple[int, object, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def _cookie(headers, name: str) -> str | None:
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith(name + "="):
            return value.split(";", 1)[0]
    return None


def http_sign_in(port: int, email: str, cookie_name: str) -> str:
    """The session cookie (``name=value``) after signing in through the form."""
    status, headers, body = http_get(port, "/login")
    cookie = _cookie(headers, cookie_name)
    if status != 200 or cookie is None:
        raise BenchError(f"GET /login over HTTP answered {status} without a session cookie")
    form = urllib.parse.urlencode(
        {"email": email, "password": PASSWORD, "csrf_token": csrf_token(body.decode())}
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            "/login",
            body=form,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        signed_in = _cookie(response.headers, cookie_name)
        if response.status != 302 or signed_in is None:
            raise BenchError(f"signing in over HTTP failed (HTTP {response.status})")
        return signed_in
    finally:
        conn.close()


@dataclass
class LoadResult:
    completed: int
    seconds: float
    errors: dict[str, int]
    timed_out: bool

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0


def drive(
    port: int, path: str, cookie: str | None, total: int, concurrency: int, time_limit: float
) -> LoadResult:
    """``total`` GETs from ``concurrency`` threads with keep-alive connections (http.client
    reconnects by itself when a sync worker closes the connection), stopping at the limit."""
    lock = threading.Lock()
    issued = 0
    completed = 0
    errors: dict[str, int] = {}
    deadline = time.monotonic() + time_limit
    headers = {"Cookie": cookie} if cookie else {}

    def worker() -> None:
        nonlocal issued, completed
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            while True:
                with lock:
                    if issued >= total or time.monotonic() > deadline:
                        return
                    issued += 1
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
                with lock:
                    if outcome == "200":
                        completed += 1
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
    return LoadResult(completed, seconds, errors, completed + sum(errors.values()) < total)


def load_line(label: str, result: LoadResult, concurrency: int) -> str:
    extra = ""
    if result.errors:
        extra += f", errors {result.errors}"
    if result.timed_out:
        extra += ", stopped at the time limit"
    return (
        f"http {label}: {result.per_second:.1f} requests/s ({result.completed} requests in "
        f"{result.seconds:.1f} s, concurrency {concurrency}{extra})"
    )


def bench_http(
    app, database_url: str, targets: Targets, args: argparse.Namespace, workdir: Path
) -> None:
    secret_key = secrets.token_hex(32)
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "KNOWTRANS_ENV": "development",  # production would need HTTPS for its cookies
        "KNOWTRANS_INSTANCE_PATH": str(workdir),
    }
    concurrency = 2 * args.workers
    warm_up = 4 * args.workers
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    pages = [
        (f"engagement page very large ({targets.big_engagement_id})", targets.big_engagement_id),
        (f"engagement page normal ({targets.normal_engagement_id})", targets.normal_engagement_id),
    ]
    rates: dict[str, float] = {}
    say(
        f"http: gunicorn -c gunicorn.conf.py, {args.workers} workers, {args.http_requests} "
        f"requests per run, concurrency {concurrency}, load generator in this process"
    )

    server = Gunicorn("knowtrans.wsgi:app", args.workers, env, workdir / "gunicorn-knowtrans.log")
    try:
        server.wait_ready("/healthz")
        cookie = http_sign_in(server.port, CTO, cookie_name)
        for label, engagement_id in pages:
            path = _e(engagement_id)
            status, _headers, _body = http_get(server.port, path, cookie)
            if status != 200:
                raise BenchError(f"GET {path} under gunicorn answered {status}")
            drive(server.port, path, cookie, warm_up, concurrency, args.http_time_limit)
            result = drive(
                server.port, path, cookie, args.http_requests, concurrency, args.http_time_limit
            )
            rates[label] = result.per_second
            say(load_line(label, result, concurrency))
    finally:
        server.stop()

    minimal = Gunicorn(
        "minimal_app:app",
        args.workers,
        env,
        workdir / "gunicorn-minimal.log",
        extra=("--pythonpath", str(ROOT / "benchmarks")),
    )
    try:
        minimal.wait_ready("/")
        drive(minimal.port, "/", None, warm_up, concurrency, args.http_time_limit)
        # ten times as many requests: the minimal page is fast enough that 300 last < 1 s
        result = drive(
            minimal.port, "/", None, 10 * args.http_requests, concurrency, args.http_time_limit
        )
        say(load_line("minimal Flask page", result, concurrency))
    finally:
        minimal.stop()
    for label, rate in rates.items():
        ratio = rate / result.per_second if result.per_second else 0.0
        say(f"http ratio {label} / minimal page: {ratio:.3f}")


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
        if not args.skip_report:
            bench_report(app, database_url, targets.big_engagement_id)
        if args.http:
            bench_http(app, database_url, targets, args, workdir)
        return 0 if all(r.ok for r in results) else 1
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
