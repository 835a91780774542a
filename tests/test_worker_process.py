"""A real worker process: the queue on disk (SQLite) and on a Redis server, and a worker
killed in the middle of a final report's build that, started again, closes the engagement
exactly once with exactly one final report."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import redis_answers

ROOT = Path(__file__).resolve().parent.parent
KNOWTRANS = str(Path(sys.executable).with_name("knowtrans"))
#: a loaded machine is slow: every wait is for a condition, with room to spare
WAIT_SECONDS = 300

REQUEST_CLOSE = """
import sqlalchemy as sa
from knowtrans import create_app
from knowtrans.closing.operations import request_close
from knowtrans.core.tasks import commit_and_send
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db
from knowtrans.plans.models import PlanItem
from knowtrans.users.models import User

app = create_app()
with app.app_context():
    largest = (
        sa.select(Engagement)
        .join(PlanItem)
        .where(Engagement.status.in_([EngagementStatus.ACTIVE, EngagementStatus.HANDOVER]))
        .group_by(Engagement.id)
        .order_by(sa.func.count(PlanItem.id).desc())
        .limit(1)
    )
    engagement = db.session.scalar(largest)
    cto = db.session.scalar(sa.select(User).where(User.email == "helena.brandt@example.com"))
    request_close(
        engagement,
        justification="The remaining items stay with the vendor's support contract.",
        actor=cto,
    )
    commit_and_send()
    print(engagement.id)
"""


@pytest.fixture(params=["sqlite", "redis"])
def installation(request, tmp_path):
    """An instance folder with a migrated, seeded SQLite database and a queue of its own."""
    name = f"knowtrans-test-{uuid.uuid4().hex[:12]}"
    if request.param == "redis":
        if not redis_answers():
            if os.environ.get("KNOWTRANS_REQUIRE_REDIS") == "1":
                pytest.fail("no Redis on 127.0.0.1:6379, and CI requires it")
            pytest.skip("no Redis on 127.0.0.1:6379")
        queue = f"redis://127.0.0.1:6379/15?name={name}"
    else:
        queue = f"sqlite:///{tmp_path / 'tasks.db'}"
    environment = dict(
        os.environ,
        KNOWTRANS_ENV="development",
        KNOWTRANS_INSTANCE_PATH=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'knowtrans.db'}",
        TASK_QUEUE_URL=queue,
        PASSWORD_HASH_METHOD="scrypt:1024:8:1",
        WORKER_NICE="0",
    )
    for command in (["db", "upgrade"], ["seed-demo", "--password", "worker-test-password"]):
        subprocess.run(
            [KNOWTRANS, *command], cwd=ROOT, env=environment, check=True, capture_output=True
        )
    yield environment, tmp_path
    if request.param == "redis":
        import redis

        server = redis.Redis(db=15)
        keys = server.keys(f"*{name}*")
        if keys:
            server.delete(*keys)
        server.close()


class Worker:
    def __init__(self, environment: dict, folder: Path, run: int) -> None:
        self.log = folder / f"worker-{run}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [KNOWTRANS, "worker"],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its worker processes die with it
            )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


def engagement_row(folder: Path, engagement_id: int) -> dict:
    with sqlite3.connect(folder / "knowtrans.db", timeout=30) as connection:
        connection.row_factory = sqlite3.Row
        row = connection.execute(
            "SELECT status, closing_started_at, closing_worker, closing_error,"
            " (SELECT COUNT(*) FROM handover_reports WHERE engagement_id = e.id) AS reports,"
            " (SELECT COUNT(*) FROM audit_events WHERE engagement_id = e.id"
            "  AND action = 'engagement.close') AS closes"
            " FROM engagements AS e WHERE id = ?",
            (engagement_id,),
        ).fetchone()
    connection.close()
    return dict(row)


def wait_for(condition, what: str, logs: list[Path]):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.02)
    pytest.fail(what + "\n" + "\n".join(log.read_text() for log in logs if log.exists()))


def test_a_worker_killed_mid_build_closes_once_when_started_again(installation):
    environment, folder = installation
    asked = subprocess.run(
        [sys.executable, "-c", REQUEST_CLOSE],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    engagement_id = int(asked.stdout.split()[-1])
    assert engagement_row(folder, engagement_id)["status"] != "closed"

    first = Worker(environment, folder, 1)
    try:
        wait_for(
            lambda: engagement_row(folder, engagement_id)["closing_started_at"],
            "the worker did not take the closing up",
            [first.log],
        )
        first.kill()  # in the middle of laying the final report out
    finally:
        first.stop()
    killed = engagement_row(folder, engagement_id)
    assert killed["status"] != "closed", "the build finished before the kill: no test"
    assert (killed["reports"], killed["closes"]) == (0, 0)

    second = Worker(environment, folder, 2)
    try:
        closed = wait_for(
            lambda: (row := engagement_row(folder, engagement_id))["status"] == "closed" and row,
            "the restarted worker did not close the engagement",
            [first.log, second.log],
        )
    finally:
        second.stop()
    assert (closed["reports"], closed["closes"]) == (1, 1)
    assert closed["closing_error"] == ""
    assert '"job": "engagement.close"' in second.log.read_text()
