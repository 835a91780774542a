"""The task queue: work that does not belong in a web request runs in a worker.

huey is the queue. ``TASK_QUEUE_URL`` chooses its store: a SQLite file (the default, in the
instance folder, so ``make run`` needs nothing but Python), Redis for several hosts
(``redis://host:6379/0``), or ``immediate:`` (the tests: a task runs as soon as it is sent,
in the sending process).

A feature declares a job with ``@job(...)`` in its ``tasks.py``; the body runs in an app
context with the database session as its unit of work (committed when it returns, rolled
back when it raises), like a request. Jobs are sent only after the transaction that asked
for them commits — ``send_after_commit(task, *args)`` — so a worker never looks for a row
that is not there yet, and a request that fails sends nothing. The database holds the state
a person sees (a report build's status); the queue only says "work on this now", so a job
lost with a crashed worker is found again by the recovery job of its feature.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

from knowtrans.extensions import db

logger = logging.getLogger("knowtrans.tasks")

#: the one queue of the process; ``init_tasks`` gives it the store the configuration names
huey: Huey = MemoryHuey("knowtrans", immediate=True)

#: the app a worker runs its jobs in (the web process runs them only in immediate mode)
_worker_app: Flask | None = None
#: every job declared with ``job``, and whether it sets its own time limit
_jobs: list[tuple[Any, bool]] = []

_PENDING = "knowtrans.tasks.pending"
_COMMITTED = "knowtrans.tasks.committed"


class UnknownQueueURL(ValueError):
    """TASK_QUEUE_URL names a store knowtrans cannot use."""


def queue_for(url: str) -> Huey:
    """The huey instance for ``url``: ``sqlite:///path``, ``redis://…`` or ``immediate:``.

    ``?name=…`` names the queue (its keys in Redis, its table rows in SQLite): two
    installations, or two test runs, can share one server without seeing each other's jobs.
    """
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    name = query.pop("name", ["knowtrans"])[0]
    if parts.scheme == "immediate":
        return MemoryHuey(name, immediate=True)
    if parts.scheme == "sqlite":
        # as in DATABASE_URL: sqlite:///relative/path, sqlite:////absolute/path
        path = parts.path[1:]
        if not path or parts.netloc:
            raise UnknownQueueURL(f"{url}: a SQLite queue needs a file, sqlite:////path/tasks.db")
        return SqliteHuey(name, filename=path)
    if parts.scheme in ("redis", "rediss"):
        rest = "&".join(f"{key}={value}" for key, values in query.items() for value in values)
        server = parts._replace(query=rest).geturl()
        return RedisHuey(name, url=server)
    raise UnknownQueueURL(f"{url}: TASK_QUEUE_URL is sqlite:////path, redis://… or immediate:")


def init_tasks(app: Flask) -> None:
    """Point the process's queue at the configured store (the job registry stays)."""
    configured = queue_for(app.config["TASK_QUEUE_URL"])
    huey.name = configured.name
    huey.storage_class = configured.storage_class
    huey.storage_kwargs = configured.storage_kwargs
    huey._immediate = configured.immediate
    huey.storage = configured.storage
    huey.results = False  # what a job did is in the database and its log line, not the queue
    for wrapper, own_limit in _jobs:
        if not own_limit:
            wrapper.task_class.default_timeout = app.config["JOB_TIME_LIMIT"]
    app.extensions["knowtrans.tasks"] = huey


def set_worker_app(app: Flask) -> None:
    global _worker_app
    _worker_app = app


def worker_app() -> Flask:
    if _worker_app is None:
        raise RuntimeError("a job runs in `knowtrans worker` (or in immediate mode)")
    return _worker_app


def job(*, kind: str, log_args: bool = True, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare a job: ``kind`` names it in the log (with its arguments, unless
    ``log_args`` is false); ``options`` go to huey (``retries``, ``retry_delay``,
    ``retry_backoff``, ``timeout`` in seconds, ``priority``). Without a ``timeout`` of its
    own a job may run JOB_TIME_LIMIT seconds."""

    def decorate(fn: Callable[..., Any]) -> Any:
        wrapper = huey.task(name=kind, **options)(_runner(kind, fn, log_args))
        _jobs.append((wrapper, "timeout" in options))
        return wrapper

    return decorate


def periodic_job(*, kind: str, schedule: Callable[..., bool], **options: Any) -> Any:
    """Declare a job the worker runs on ``schedule`` (``huey.crontab(...)``)."""

    def decorate(fn: Callable[..., Any]) -> Any:
        wrapper = huey.periodic_task(schedule, name=kind, **options)(_runner(kind, fn))
        _jobs.append((wrapper, "timeout" in options))
        return wrapper

    return decorate


def _runner(kind: str, fn: Callable[..., Any], log_args: bool = True) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        if _worker_app is None:  # immediate mode: in the sender's context, after its commit
            return _unit_of_work(kind, fn, args, kwargs, log_args)
        with _worker_app.app_context():  # a worker: a fresh session per job
            try:
                return _unit_of_work(kind, fn, args, kwargs, log_args)
            finally:
                db.session.remove()

    return run


def _unit_of_work(
    kind: str, fn: Callable[..., Any], args: tuple, kwargs: dict, log_args: bool
) -> Any:
    started = (time.monotonic(), time.process_time())
    shown = args if log_args else ("…",) * len(args)
    try:
        result = fn(*args, **kwargs)
        db.session.commit()
    except BaseException as error:
        db.session.rollback()
        reason = f"{type(error).__name__}: {error}" if log_args else type(error).__name__
        log_job(kind, shown, started, result=f"error: {reason}")
        raise
    send_committed()
    facts = result if isinstance(result, dict) else {}
    log_job(kind, shown, started, result=facts.pop("result", "ok"), **facts)
    return result


def log_job(kind: str, args: tuple, started: tuple[float, float], **facts: Any) -> None:
    """One structured line per job: kind, arguments, duration (wall clock and the CPU time of
    the worker's process: far less than the duration means the job waited, for the database
    or for a CPU) and what the job reports."""
    line = {
        "job": kind,
        "args": list(args),
        "seconds": round(time.monotonic() - started[0], 3),
        "cpu_seconds": round(time.process_time() - started[1], 3),
    }
    line.update(facts)
    logger.info(json.dumps(line, default=str, sort_keys=True))


def send_after_commit(task: Any, *args: Any) -> None:
    """Send ``task(*args)`` once the current transaction commits; nothing if it rolls back."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, too, ends a transaction and forgets the job
    session.info.setdefault(_PENDING, []).append((task, args))


def send_committed() -> None:
    """Send what the last commit released (the request pipeline and jobs call this). A
    queue that does not answer loses nothing: what was committed stays, and the features'
    periodic recovery sends it again."""
    committed = db.session.info.pop(_COMMITTED, [])
    for task, args in committed:
        try:
            task(*args)
        except Exception:
            if huey.immediate:  # the job itself failed, in this process: let it show
                raise
            logger.exception("could not send %s%r; its recovery sends it again", task, args)


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _release(session: sa.orm.Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    pending = session.info.pop(_PENDING, [])
    if pending:
        session.info.setdefault(_COMMITTED, []).extend(pending)


@sa.event.listens_for(sa.orm.Session, "after_soft_rollback")
def _forget(session: sa.orm.Session, previous_transaction: Any) -> None:
    if not previous_transaction.nested:  # a savepoint's rollback leaves the transaction be
        session.info.pop(_PENDING, None)


def commit_and_send() -> None:
    """For the command line and scripts: commit, then send the jobs the commit released."""
    db.session.commit()
    send_committed()


def queue_info() -> dict[str, Any]:
    """What ``knowtrans worker --check`` and the health of the queue say."""
    return {
        "store": type(huey.storage).__name__,
        "name": huey.name,
        "pending": huey.pending_count() if not huey.immediate else 0,
        "config": current_app.config["TASK_QUEUE_URL"] if has_app_context() else None,
    }
