"""Exporting a large database as a job: the worker writes the file and reports its progress
in the queue's store, where ``knowtrans export --in-worker`` follows it."""

import json
from pathlib import Path

from knowtrans.backup.operations import export_data
from knowtrans.core import tasks
from knowtrans.core.files import write_private


def progress_key(job_key: str) -> str:
    return f"knowtrans.export.{job_key}"


def report_progress(job_key: str, **state) -> None:
    tasks.huey.put(progress_key(job_key), state)


def read_progress(job_key: str) -> dict | None:
    """The last progress the export job reported, or None before it started; once it has
    finished, reading it removes it from the queue's store."""
    state = tasks.huey.get(progress_key(job_key), peek=True)
    if state is not None and state.get("finished"):
        tasks.huey.get(progress_key(job_key))  # read once more without peeking: removed
    return state


@tasks.job(kind="backup.export")
def export_to_file(out: str, with_secrets: bool, job_key: str) -> dict:
    """Write the export to ``out`` on the worker's host (mode 0600)."""

    def progress(done: int, total: int) -> None:
        report_progress(job_key, done=done, total=total, finished=False)

    try:
        data = export_data(with_secrets=with_secrets, progress=progress)
        text = json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
        write_private(Path(out), text.encode("utf-8"))
    except Exception as error:
        report_progress(job_key, finished=True, error=f"{type(error).__name__}: {error}")
        raise
    rows = sum(len(rows) for rows in data["tables"].values())
    report_progress(job_key, done=rows, total=rows, finished=True, error="")
    return {"rows": rows, "file": out}
