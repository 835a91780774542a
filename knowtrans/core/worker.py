"""``knowtrans worker``: the process that runs the queue's jobs and its periodic tasks.

Run one beside the web server (``make run`` does), on the same host or others; they share the
queue named by TASK_QUEUE_URL and the database. Each worker process runs at a lower CPU
priority than the web workers, with a cap on its memory and a time limit per job, so a large
report slows nobody's pages and a runaway build fails alone.
"""

import logging
import os
import resource
import secrets
import socket
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from knowtrans.core import tasks
from knowtrans.extensions import db

log = logging.getLogger("knowtrans.worker")

#: functions run when a worker process starts, after its limits are set (feature recovery)
_on_start: list = []


def on_worker_start(fn):
    """Run ``fn()`` in an app context whenever a worker process starts (e.g. to find jobs a
    crashed worker left half done)."""
    _on_start.append(fn)
    return fn


#: tells this process from an earlier one with the same pid (a restarted container)
_TOKEN = secrets.token_hex(4)


def worker_name(pid: int | None = None) -> str:
    """``host:pid:token`` of a worker process: what a job it claims records."""
    return f"{socket.gethostname()}:{pid or os.getpid()}:{_TOKEN if pid is None else '-'}"


def is_alive_here(name: str) -> bool | None:
    """Whether the worker ``name`` still runs: True/False on this host, None elsewhere."""
    host, pid, token = [*name.split(":"), "", "", ""][:3]
    if host != socket.gethostname() or not pid.isdigit():
        return None
    if int(pid) == os.getpid():  # this process, or an earlier one that had its pid
        return token == _TOKEN
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(int(pid))


def _is_zombie(pid: int) -> bool:
    """A killed process its parent has not waited for yet still answers ``kill(pid, 0)``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"


def limit_this_process(nice: int, memory_mb: int) -> None:
    """Lower the CPU priority and cap the address space of the current process."""
    if nice:
        os.nice(nice)
        _lower_session_group(nice)
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


#: Linux's autogroup scheduling: processes of one session share CPU time as a group, and a
#: nice value counts only within its group
AUTOGROUP = Path("/proc/self/autogroup")


def autogroup_nice() -> str | None:
    """The nice value of this process's session group, or None where groups do not apply:
    no autogroup support, or a process in a control group of its own (a container), whose
    autogroup file reads empty."""
    try:
        fields = AUTOGROUP.read_text().split()
    except OSError:
        return None
    return fields[-1] if fields else None


def _lower_session_group(nice: int) -> None:
    """When the worker runs in a session of its own (a service manager starts it so, as the
    benchmark does), its nice value alone does not yield the CPU to the web workers' session:
    the session's group gets the lower priority too. In a shared session (``make run`` in a
    terminal) the group is left alone, so the development server keeps its speed."""
    if os.getsid(0) not in (os.getpid(), os.getppid()) or autogroup_nice() is None:
        return
    try:
        AUTOGROUP.write_text(str(nice))
    except OSError:  # no autogroups, or not allowed: the process's own nice stays
        log.info("the worker's session group keeps its CPU priority")


@tasks.huey.on_startup()
def _start_worker_process() -> None:
    app = tasks.worker_app()
    limit_this_process(app.config["WORKER_NICE"], app.config["JOB_MEMORY_LIMIT_MB"])
    with app.app_context():
        db.engine.dispose(close=False)  # connections of the parent stay the parent's
        for fn in _on_start:
            try:
                fn()
                tasks.commit_and_send()
            except Exception:
                db.session.rollback()
                log.exception("start-up task %s failed", fn.__name__)
            finally:
                db.session.remove()
    log.info("worker %s ready", worker_name())


@click.command("worker")
@click.option("--processes", default=1, show_default=True, help="jobs run at the same time")
@with_appcontext
def worker_command(processes: int) -> None:
    """Run jobs from the queue (reports, closing, periodic work) until stopped."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if tasks.huey.immediate:
        raise click.ClickException(
            "TASK_QUEUE_URL is immediate: jobs run where they are sent; no worker is needed"
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # a line per page otherwise
    tasks.set_worker_app(app)
    click.echo(f"knowtrans worker: {processes} process(es), queue {app.config['TASK_QUEUE_URL']}")
    consumer = tasks.huey.create_consumer(
        workers=processes,
        worker_type="process",
        periodic=True,
        # an idle worker looks at the queue at least four times a second: a job someone
        # waits for starts within a quarter of a second (a look is one small query)
        initial_delay=0.1,
        backoff=1.15,
        max_delay=0.25,
        check_worker_health=True,
    )
    consumer.run()
