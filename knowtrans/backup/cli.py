"""The ``export``, ``import`` and ``export-schema`` commands: files in and out, refusals shown."""

import json
import time
import uuid
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from knowtrans.backup.errors import FileProblems, ImportRefused
from knowtrans.backup.messages import database_reason
from knowtrans.backup.operations import export_data, import_data
from knowtrans.backup.reading import parse_export
from knowtrans.backup.schema import schema_text
from knowtrans.core.files import write_private
from knowtrans.extensions import db

#: problem lines shown before "and N more"
SHOWN_PROBLEMS = 50


@click.command("export")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--with-secrets", is_flag=True, help="Include password hashes (keep such a file safe)."
)
@click.option(
    "--in-worker",
    is_flag=True,
    help="Let a worker write the file (on its host) and follow its progress here.",
)
@with_appcontext
def export_command(out: Path, with_secrets: bool, in_worker: bool) -> None:
    """Write every record (archived reports included) to a JSON file only its owner can read."""
    if in_worker:
        _export_in_worker(out, with_secrets)
        return
    data = export_data(with_secrets=with_secrets)
    text = json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    try:
        write_private(out, text.encode("utf-8"))
    except OSError as error:
        raise click.ClickException(f"{out}: cannot write it: {error.strerror}") from None
    rows = sum(len(rows) for rows in data["tables"].values())
    secrets = "with" if with_secrets else "without"
    click.echo(f"Exported {rows} records ({secrets} password hashes) to {out}.")


def _export_in_worker(out: Path, with_secrets: bool) -> None:
    """Send the export job and print its progress until it is done (Ctrl-C stops following,
    not the job)."""
    from knowtrans.backup.tasks import export_to_file, read_progress

    job_key = uuid.uuid4().hex
    export_to_file(str(out.resolve()), with_secrets, job_key)
    click.echo(f"Export sent to the worker (job {job_key}).")
    shown = None
    waiting_since, hinted = time.monotonic(), False
    while True:
        state = read_progress(job_key)
        if state is None and not hinted and time.monotonic() - waiting_since > NO_WORKER_HINT:
            click.echo("No worker has taken the export up yet: is `knowtrans worker` running?")
            hinted = True
        if state is not None and state != shown:
            shown = state
            if state.get("error"):
                raise click.ClickException(f"{out}: the export failed: {state['error']}")
            click.echo(f"{state['done']:,} of {state['total']:,} records exported")
            if state.get("finished"):
                click.echo(f"Exported {state['done']} records to {out} on the worker's host.")
                return
        time.sleep(PROGRESS_INTERVAL)


#: seconds between two looks at the export job's progress
PROGRESS_INTERVAL = 0.5
#: seconds without any progress after which the command asks whether a worker runs
NO_WORKER_HINT = 30


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Restore an export into an empty database; a file with problems writes nothing."""
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"{file}: cannot read it: {error.strerror}") from None
    try:
        data = parse_export(raw)
        counts = import_data(data)
        db.session.commit()
    except FileProblems as refusal:
        db.session.rollback()
        for line in refusal.problems[:SHOWN_PROBLEMS]:
            click.echo(f"{file}: {line}", err=True)
        if (more := len(refusal.problems) - SHOWN_PROBLEMS) > 0:
            click.echo(f"{file}: and {more} more problems", err=True)
        count = len(refusal.problems)
        raise click.ClickException(
            f"{file}: nothing was imported ({count} problem{'' if count == 1 else 's'})."
        ) from None
    except ImportRefused as refusal:
        db.session.rollback()
        raise click.ClickException(f"{file}: {refusal}") from None
    except sa.exc.SQLAlchemyError as error:  # the commit itself failed
        db.session.rollback()
        raise click.ClickException(
            f"{file}: nothing was imported: {database_reason(error)}"
        ) from None
    click.echo(f"Imported {sum(counts.values())} records from {file}.")
    if not data.get("with_secrets"):
        click.echo("The file had no password hashes: an admin sets new passwords.")


@click.command("export-schema")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write it (default: standard output).",
)
def export_schema_command(out: Path | None) -> None:
    """Write the JSON Schema of export files, derived from the models."""
    if out is None:
        click.echo(schema_text(), nl=False)
        return
    try:
        out.write_text(schema_text(), encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"{out}: cannot write it: {error.strerror}") from None
    click.echo(f"Wrote the export format's JSON Schema to {out}.")
