"""The ``knowtrans`` console command: Flask's CLI plus the project's own commands."""

from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    from knowtrans.backup.cli import export_command, export_schema_command, import_command
    from knowtrans.core.worker import worker_command
    from knowtrans.demo.cli import seed_demo_command
    from knowtrans.reports.cli import report_command
    from knowtrans.users.cli import create_user_command

    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(report_command)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
    app.cli.add_command(export_schema_command)
    app.cli.add_command(worker_command)


def _create_app() -> Flask:
    from knowtrans import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="knowtrans — knowledge transfer, tracked.")
