"""The browser harness shared by the browser tests and ``make screenshots``.

A live server runs the real app (its own temporary SQLite file, demo data, CSRF on) in a
thread; Playwright drives the system's Chromium, never a downloaded one.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: the Nu Html Checker (W3C's validator), from the npm package vnu-jar; runs on Java
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def validate_html(pages: dict[str, str], directory: Path) -> list[str]:
    """The Nu Html Checker's errors in ``pages`` (URL → HTML), as "URL:line: message"; one
    Java process for all of them."""
    files = {}
    for number, (url, html) in enumerate(pages.items()):
        path = directory / f"page-{number:03d}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = url
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            "--exit-zero-always",
            *(str(directory / name) for name in files),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [
        f"{files.get(message.get('url', '').rpartition('/')[2], message.get('url'))}:"
        f"{message.get('lastLine', '?')}: "
        f"{message['message']}"
        for message in messages
        if message.get("type") in ("error", "non-document-error")
    ]


DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: how long a step may wait for what it expects (an element, a page): generous, because a
#: loaded machine is slow, and a wait for a condition ends as soon as it holds
WAIT_MS = 30_000
#: how long a report's build may take before its download starts
BUILD_WAIT_MS = 180_000
#: every demo user's password in the live server's database
DEMO_PASSWORD = "browser-journeys-pw"

#: demo logins (knowtrans/demo/data.py)
CTO = "helena.brandt@example.com"
IT_LEAD = "markus.klein@example.com"
ADMIN = "sam.porter@example.com"
STAFF = "maria.lopez@example.com"
EXPERT = "jonas.weber@example.com"


def chromium_path() -> str:
    return os.environ.get("KNOWTRANS_CHROMIUM") or DEFAULT_CHROMIUM


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium is present."""
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return (
            f"Chromium not found at {path}; install Debian's chromium to run the browser tests "
            "(or point KNOWTRANS_CHROMIUM at a Chromium binary)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed; run `make install`"
    return None


def browser_required() -> bool:
    """CI sets KNOWTRANS_REQUIRE_BROWSER=1: a browser test that cannot run fails."""
    return os.environ.get("KNOWTRANS_REQUIRE_BROWSER") == "1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    app: Flask
    url: str
    server: BaseWSGIServer
    thread: threading.Thread
    worker: subprocess.Popen
    #: where the worker writes the e-mails it sends (one file per connection)
    mail_dir: Path

    def mail_sent(self) -> str:
        """Every message the worker has sent so far, as text."""
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.mail_dir.glob("*.log"))
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=60)
        self.worker.terminate()  # huey finishes its current job and exits
        try:
            self.worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.worker.kill()
            self.worker.wait(timeout=60)


def queue_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'tasks.db'}"


def start_worker(directory: Path, base_url: str = "http://127.0.0.1") -> subprocess.Popen:
    """``knowtrans worker`` on the live server's database and queue: reports, closing and
    e-mail go through the real queue, as in production; messages are written to files in
    ``directory/mail``."""
    environment = dict(
        os.environ,
        KNOWTRANS_ENV="development",
        KNOWTRANS_INSTANCE_PATH=str(directory),
        DATABASE_URL=f"sqlite:///{directory / 'knowtrans.db'}",
        TASK_QUEUE_URL=queue_url(directory),
        WORKER_NICE="0",
        MAIL_BACKEND="file",
        MAIL_FILE_PATH=str(directory / "mail"),
        BASE_URL=base_url,
    )
    log = (directory / "worker.log").open("w")
    try:
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("knowtrans")), "worker"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()  # the child has its own copy


def build_app(database_file: Path) -> Flask:
    """The real app on its own SQLite file, a fresh schema and the demo company."""
    from config import TestingConfig
    from knowtrans import create_app
    from knowtrans.extensions import db

    class LiveConfig(TestingConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"check_same_thread": False, "timeout": 30}}

    settings = LiveConfig()
    settings.SQLALCHEMY_DATABASE_URI = f"sqlite:///{database_file}"
    settings.TASK_QUEUE_URL = queue_url(database_file.parent)
    app = create_app(settings)
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--password", DEMO_PASSWORD])
    if result.exit_code != 0:
        raise RuntimeError(f"seed-demo failed: {result.output}\n{result.exception!r}")
    return app


def closing_every_response(app: Flask):
    """``app`` with each response read whole and closed before the server sends it.

    werkzeug's development server calls a response's ``close()`` only after it has drained
    the connection; when the browser drops a connection first (it does for favicons and
    aborted navigations), that step raises and a static file stays open. Responses in
    these tests are small, so they are read into memory and closed at once.
    """

    def application(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()

    return application


class QuietRequestHandler(WSGIRequestHandler):
    """No line per request; errors are still logged."""

    def log_request(self, code="-", size="-") -> None:
        pass


@contextmanager
def live_server(database_dir: Path) -> Iterator[LiveServer]:
    """Serve the app with werkzeug in a thread on a free 127.0.0.1 port."""
    app = build_app(database_dir / "knowtrans.db")
    server = make_server(
        "127.0.0.1",
        free_port(),
        closing_every_response(app),
        threaded=True,
        request_handler=QuietRequestHandler,
    )
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    worker = start_worker(database_dir, url)
    live = LiveServer(app, url, server, thread, worker, database_dir / "mail")
    try:
        yield live
    finally:
        live.stop()
        from knowtrans.extensions import db

        with app.app_context():
            db.engine.dispose()


@contextmanager
def chromium() -> Iterator:
    """A headless Chromium; Playwright gives it a fresh, throw-away user-data dir."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def temporary_directory() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="knowtrans-browser-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form, as a person does (the context knows the base URL)."""
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
