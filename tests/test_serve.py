"""`make serve`: gunicorn with several workers, its health check, one log line per request."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "KNOWTRANS_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "serve-test-secret-key",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    subprocess.run([BIN / "knowtrans", "db", "upgrade"], env=env, check=True, capture_output=True)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [BIN / "gunicorn", "-c", "gunicorn.conf.py", "knowtrans.wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail("gunicorn did not start: " + log.read_text())
            yield base, log
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_gunicorn_serves_with_several_workers_and_logs_each_request(gunicorn):
    base, log = gunicorn
    with urllib.request.urlopen(base + "/healthz") as response:
        assert response.status == 200
    with urllib.request.urlopen(base + "/login?next=/skills") as response:
        assert response.status == 200
        assert response.headers["Content-Security-Policy"]
    for _ in range(100):  # workers boot in parallel; give a loaded machine time
        text = log.read_text()
        if text.count("Booting worker") >= 2 and '"GET /login' in text:
            break
        time.sleep(0.1)
    assert text.count("Booting worker") >= 2
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
