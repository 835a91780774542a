"""The task queue: its store from TASK_QUEUE_URL, jobs sent only after a commit, a job's
unit of work, and the worker process's limits."""

import json
import logging
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from huey import RedisHuey, SqliteHuey

from knowtrans.core import tasks
from knowtrans.core.tasks import UnknownQueueURL, job, queue_for, send_after_commit
from knowtrans.core.worker import autogroup_nice
from knowtrans.skills.models import Skill
from tests.conftest import row_count

#: what the jobs below saw, in order
seen: list[str] = []


@job(kind="test.remember")
def remember(text: str) -> dict:
    seen.append(text)
    return {"result": "remembered", "chars": len(text)}


@job(kind="test.store")
def store_skill(name: str, fail: bool) -> None:
    from knowtrans.extensions import db

    db.session.add(Skill(name=name, category="Tests", description=""))
    db.session.flush()
    if fail:
        raise RuntimeError("the job failed after writing")


@pytest.fixture(autouse=True)
def forget():
    seen.clear()
    yield
    seen.clear()


@pytest.mark.parametrize(
    ("url", "kind", "details"),
    [
        ("sqlite:///{tmp}/tasks.db", SqliteHuey, {"filename": "{tmp}/tasks.db"}),
        ("redis://cache:6379/2", RedisHuey, {"url": "redis://cache:6379/2"}),
        ("redis://cache:6379/2?name=acme", RedisHuey, {"url": "redis://cache:6379/2"}),
    ],
)
def test_the_store_comes_from_the_url(url, kind, details, tmp_path):
    queue = queue_for(url.format(tmp=tmp_path))  # sqlite:////tmp/…: an absolute path
    assert isinstance(queue, kind)
    for key, value in details.items():
        assert queue.storage_kwargs[key] == value.format(tmp=tmp_path)
    assert queue.name == ("acme" if "name=acme" in url else "knowtrans")


def test_immediate_runs_jobs_where_they_are_sent():
    assert queue_for("immediate:").immediate


@pytest.mark.parametrize("url", ["sqlite://", "memcached://cache", "tasks.db", ""])
def test_an_unknown_store_is_refused_with_the_forms_it_takes(url):
    with pytest.raises(UnknownQueueURL, match="sqlite:////path"):
        queue_for(url)


def test_a_job_is_sent_when_the_transaction_commits(db):
    send_after_commit(remember, "after the commit")
    db.session.flush()
    assert seen == []
    tasks.commit_and_send()
    assert seen == ["after the commit"]


def test_a_rolled_back_transaction_sends_nothing(db):
    send_after_commit(remember, "never")
    db.session.rollback()
    tasks.commit_and_send()
    assert seen == []


def test_a_savepoint_rolled_back_keeps_the_jobs_of_the_transaction(db):
    send_after_commit(remember, "kept")
    with db.session.begin_nested() as savepoint:
        savepoint.rollback()
    tasks.commit_and_send()
    assert seen == ["kept"]


def test_a_job_commits_its_work_and_logs_one_line(db, caplog):
    caplog.set_level(logging.INFO, logger="knowtrans.tasks")
    store_skill("Kafka operations", False)
    db.session.expire_all()
    assert row_count(Skill) == 1
    [line] = [json.loads(r.message) for r in caplog.records if r.name == "knowtrans.tasks"]
    assert line["job"] == "test.store"
    assert line["args"] == ["Kafka operations", False]
    assert line["result"] == "ok"
    assert line["seconds"] >= 0


def test_a_failing_job_writes_nothing_and_logs_why(db, caplog):
    caplog.set_level(logging.INFO, logger="knowtrans.tasks")
    store_skill("Kafka operations", True)  # huey records the error; the caller goes on
    db.session.expire_all()
    assert row_count(Skill) == 0
    [line] = [json.loads(r.message) for r in caplog.records if r.name == "knowtrans.tasks"]
    assert line["result"] == "error: RuntimeError: the job failed after writing"


def test_what_a_job_reports_goes_into_its_log_line(db, caplog):
    caplog.set_level(logging.INFO, logger="knowtrans.tasks")
    remember("twelve chars")
    [line] = [json.loads(r.message) for r in caplog.records if r.name == "knowtrans.tasks"]
    assert (line["result"], line["chars"]) == ("remembered", 12)


def test_a_request_sends_its_jobs_after_its_commit():
    """The pipeline commits, then sends: a job never looks for a row that is not stored."""
    from config import TestingConfig
    from knowtrans import create_app
    from knowtrans.extensions import db

    settings = TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = "sqlite://"  # its own, whatever the suite runs on
    settings.WTF_CSRF_ENABLED = False
    app = create_app(settings)

    @app.post("/test-send")
    def send_from_a_request():
        db.session.add(Skill(name="Vault", category="Security", description=""))
        send_after_commit(remember, "sent by the request")
        assert seen == []
        return "", 204

    with app.app_context():
        db.create_all()
        assert app.test_client().post("/test-send").status_code == 204
        assert seen == ["sent by the request"]
        assert db.session.scalar(sa.select(sa.func.count(Skill.id))) == 1
        db.session.remove()
        db.engine.dispose()


WORKER_LIMITS = """
import os, resource
from knowtrans.core.worker import limit_this_process
before = os.nice(0)
limit_this_process(5, 2048)
print(os.nice(0) - before, resource.getrlimit(resource.RLIMIT_AS)[0] // (1024 * 1024))
"""


def test_a_worker_process_runs_below_the_web_workers_with_capped_memory():
    result = subprocess.run(
        [sys.executable, "-c", WORKER_LIMITS], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["5", "2048"]


def test_the_worker_refuses_to_start_when_jobs_run_immediately(app):
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0
    assert "no worker is needed" in result.output


def test_worker_names_tell_live_processes_here_from_dead_ones():
    from knowtrans.core.worker import is_alive_here, worker_name

    assert is_alive_here(worker_name()) is True
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert is_alive_here(worker_name(int(dead.stdout))) is False
    assert is_alive_here("another-host:1") is None


def test_a_killed_worker_its_parent_has_not_waited_for_counts_as_dead():
    from knowtrans.core.worker import is_alive_here, worker_name

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert is_alive_here(worker_name(child.pid)) is True
        child.kill()
        # until wait() the process is a zombie: still in the process table
        deadline = time.monotonic() + 60
        while is_alive_here(worker_name(child.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert is_alive_here(worker_name(child.pid)) is False
    finally:
        child.kill()
        child.wait(timeout=60)


def test_a_released_savepoint_does_not_send_before_the_transaction_commits(db):
    send_after_commit(remember, "after the real commit")
    with db.session.begin_nested():
        pass  # released: SQLAlchemy calls after_commit for it too
    tasks.send_committed()
    assert seen == []
    tasks.commit_and_send()
    assert seen == ["after the real commit"]


def test_an_earlier_process_with_this_pid_counts_as_dead():
    from knowtrans.core.worker import is_alive_here, worker_name

    host, pid, _token = worker_name().split(":")
    assert is_alive_here(f"{host}:{pid}:0123abcd") is False  # a restarted container's pid


AUTOGROUP_NICE = """
from knowtrans.core.worker import autogroup_nice, limit_this_process
limit_this_process(7, 0)
print(autogroup_nice())
"""


@pytest.mark.skipif(autogroup_nice() is None, reason="no autogroup scheduling applies here")
@pytest.mark.parametrize(("own_session", "group_nice"), [(True, "7"), (False, None)])
def test_a_worker_in_a_session_of_its_own_lowers_its_session_group(own_session, group_nice):
    """A nice value counts only within a session's group: a worker started as a service
    (its own session) lowers the group; one sharing a terminal session leaves it alone."""
    before = autogroup_nice()
    # through a shell, so that the worker's parent is not the session's leader even when
    # the test run is (a worker's parent leads the session only when it was started alone)
    command = ["sh", "-c", '"$0" -c "$1"; true', sys.executable, AUTOGROUP_NICE]
    if own_session:
        command = [sys.executable, "-c", AUTOGROUP_NICE]
    result = subprocess.run(
        command, capture_output=True, text=True, check=True, start_new_session=own_session
    )
    assert result.stdout.strip() == (group_nice or before)


@pytest.mark.parametrize(("content", "nice"), [("/autogroup-85 nice 3\n", "3"), ("", None)])
def test_the_session_group_is_read_as_not_applying_when_its_file_reads_empty(
    tmp_path, monkeypatch, content, nice
):
    """In a control group of its own (a container) the autogroup file exists but reads
    empty: the worker then leaves the group alone."""
    from knowtrans.core import worker

    path = tmp_path / "autogroup"
    path.write_text(content)
    monkeypatch.setattr(worker, "AUTOGROUP", path)
    assert worker.autogroup_nice() == nice
    monkeypatch.setattr(worker, "AUTOGROUP", tmp_path / "missing")
    assert worker.autogroup_nice() is None
