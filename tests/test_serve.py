"""`make serve`: gunicorn with several workers, its health check, one log line per request,
the limits gunicorn enforces itself and its warning about per-worker rate limits."""

import http.client
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


#: settings gunicorn.conf.py or the app read, left out of the environment the tests pass on
SETTINGS_PREFIXES = ("LIMIT_REQUEST_", "RATELIMIT_", "FORWARDED_ALLOW_IPS", "TRUSTED_PROXIES")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, what: str, log: Path):
    """Poll ``condition`` until it holds; a loaded machine gets two generous minutes."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    pytest.fail(f"{what}: " + log.read_text())


def raw_request(base: str, path: str, headers: dict[str, str] | None = None):
    """A request as sent, without a client's own checks; returns (status, headers, body)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """gunicorn as `make serve` runs it in production, shared by this module's tests."""
    tmp_path = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_PREFIXES)} | {
        "KNOWTRANS_ENV": "production",  # memory:// rate limits with 2 workers: a warning
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "KNOWTRANS_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "serve-test-secret-key",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "XDG_RUNTIME_DIR": str(tmp_path),  # its own control socket, not the user's
    }
    subprocess.run([BIN / "knowtrans", "db", "upgrade"], env=env, check=True, capture_output=True)
    log = tmp_path / "gunicorn.log"
    # appending: the access log (stdout) and the error log (/dev/stdout, opened anew) share it
    with log.open("a") as output:
        process = subprocess.Popen(
            [BIN / "gunicorn", "-c", "gunicorn.conf.py", "knowtrans.wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(lambda: answers(base + "/healthz"), "gunicorn did not start", log)
            yield base, log
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_gunicorn_serves_with_several_workers_and_logs_each_request(gunicorn):
    base, log = gunicorn
    with urllib.request.urlopen(base + "/healthz") as response:
        assert response.status == 200
    with urllib.request.urlopen(base + "/login?next=/skills") as response:
        assert response.status == 200
        assert response.headers["Content-Security-Policy"]

    def both_workers_and_the_request_logged() -> str | None:
        text = log.read_text()
        return text if text.count("Booting worker") >= 2 and '"GET /login' in text else None

    # workers boot in parallel; a loaded machine gets time
    text = wait_for(both_workers_and_the_request_logged, "workers or request not logged", log)
    requests = [line for line in text.splitlines() if '"GET /' in line]
    assert any('"GET /login HTTP/1.1" 200' in line for line in requests)
    assert all("session=" not in line and "next=" not in line for line in requests)


def test_the_worker_entry_point_freezes_what_lives_as_long_as_the_process(tmp_path):
    """Long-lived objects stay out of full collections (see knowtrans.core.heap)."""
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wsgi.db'}",
        "KNOWTRANS_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "serve-test-secret-key",
    }
    probe = "import gc, knowtrans.wsgi; print(gc.get_freeze_count())"
    result = subprocess.run(
        [BIN / "python", "-c", probe], env=env, cwd=ROOT, check=True, capture_output=True
    )
    assert int(result.stdout) > 10_000


def test_gunicorn_warns_when_rate_limits_count_per_worker(gunicorn):
    _, log = gunicorn
    warning = "each of the 2 workers counts failed sign-ins and each user's saves on its own"
    assert wait_for(lambda: warning in log.read_text(), "no warning in the log", log)
    assert "RATELIMIT_STORAGE_URI=redis://" in log.read_text()


def test_gunicorn_answers_over_long_requests_itself_without_the_apps_headers(gunicorn):
    """414 and 431 come from gunicorn, not the app: the reverse proxy adds the security headers
    to them (README, production)."""
    base, _ = gunicorn
    longest_allowed = "/no-such-page?q=" + "x" * 8000  # above gunicorn's default 4094
    status, headers, _ = raw_request(base, longest_allowed)
    assert status == 404  # the app's answer, with the app's headers
    assert headers["Content-Security-Policy"]

    status, headers, body = raw_request(base, "/no-such-page?q=" + "x" * 8200)
    assert status == 414
    assert b"URI Too Long" in body
    assert "Content-Security-Policy" not in headers

    many = {f"X-Field-{n}": "1" for n in range(101)}
    status, headers, _ = raw_request(base, "/healthz", many)
    assert status == 431
    assert "Content-Security-Policy" not in headers


# --- gunicorn.conf.py ------------------------------------------------------------------------


def load_gunicorn_conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_request_limits_are_set_deliberately(monkeypatch):
    for name in ("LIMIT_REQUEST_LINE", "LIMIT_REQUEST_FIELDS", "LIMIT_REQUEST_FIELD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.delenv("WEB_TIMEOUT", raising=False)
    conf = load_gunicorn_conf()
    assert conf.timeout == 30  # reports and closing are jobs: no request waits for a build
    assert (conf.limit_request_line, conf.limit_request_fields) == (8190, 100)
    assert conf.limit_request_field_size == 8190
    assert conf.forwarded_allow_ips == ""  # forwarded headers: the app's TRUSTED_PROXIES

    monkeypatch.setenv("LIMIT_REQUEST_LINE", "4094")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/8")
    conf = load_gunicorn_conf()
    assert (conf.limit_request_line, conf.forwarded_allow_ips) == (4094, "10.0.0.0/8")


class FakeLog:
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, message: str) -> None:
        self.warnings.append(message)


@pytest.mark.parametrize(
    ("env", "workers", "warns"),
    [
        ({"KNOWTRANS_ENV": "production"}, 4, True),
        ({"KNOWTRANS_ENV": "production", "RATELIMIT_STORAGE_URI": "memory://"}, 2, True),
        ({"KNOWTRANS_ENV": "production", "RATELIMIT_STORAGE_URI": "redis://cache:6379"}, 4, False),
        ({"KNOWTRANS_ENV": "production"}, 1, False),
        ({"KNOWTRANS_ENV": "development"}, 4, False),
        ({}, 4, False),
    ],
)
def test_gunicorn_start_warns_about_per_worker_rate_limits(monkeypatch, env, workers, warns):
    for name in ("KNOWTRANS_ENV", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    log = FakeLog()
    load_gunicorn_conf().on_starting(SimpleNamespace(cfg=SimpleNamespace(workers=workers), log=log))
    if warns:
        (warning,) = log.warnings
        assert f"each of the {workers} workers counts failed sign-ins" in warning
        assert "RATELIMIT_STORAGE_URI=redis://" in warning
    else:
        assert log.warnings == []
