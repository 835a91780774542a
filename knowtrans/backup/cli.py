import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from knowtrans.backup.operations import ImportRefused, export_data, import_data
from knowtrans.extensions import db


@click.command("export")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--with-secrets", is_flag=True, help="Include password hashes (keep such a file safe)."
)
@with_appcontext
def export_command(out: Path, with_secrets: bool) -> None:
    """Write every record (archived reports included) to a JSON file."""
    data = export_data(with_secrets=with_secrets)
    out.write_text(json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n")
    rows = sum(len(rows) for rows in data["tables"].values())
    secrets = "with" if with_secrets else "without"
    click.echo(f"Exported {rows} records ({secrets} password hashes) to {out}.")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Restore an export into an empty database."""
    try:
        data = json.loads(file.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{file} is not a JSON export: {error}") from None
    try:
        counts = import_data(data)
    except ImportRefused as refusal:
        db.session.rollback()
        raise click.ClickException(str(refusal)) from None
    db.session.commit()
    click.echo(f"Imported {sum(counts.values())} records from {file}.")
    if not data.get("with_secrets"):
        click.echo("The file had no password hashes: an admin sets new passwords.")
