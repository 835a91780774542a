from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from knowtrans.core.files import write_private
from knowtrans.core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.reports.models import HandoverReport


@click.command("report")
@click.argument("engagement_id", type=int)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the PDF (readable by its owner only).",
)
@click.option(
    "--language",
    type=click.Choice(list(LANGUAGES)),
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help="The language of a draft (times in KNOWTRANS_DEFAULT_TIMEZONE); a closed "
    "engagement's final report stays in the language it was archived in.",
)
@with_appcontext
def report_command(engagement_id: int, out: Path, language: str) -> None:
    """Write an engagement's handover report: the draft, or for a closed one the archived final."""
    from knowtrans.reports.build import build_report

    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None:
        raise click.ClickException(f"There is no engagement with id {engagement_id}.")
    if engagement.is_closed:
        report = db.session.scalar(
            sa.select(HandoverReport).where(HandoverReport.engagement_id == engagement.id)
        )
        if report is None:
            raise click.ClickException(
                f"Engagement {engagement_id} is closed but has no archived final report."
            )
        pdf, kind, identifier, pages = report.pdf, "final", report.identifier, report.page_count
    else:
        built = build_report(engagement.id, final=False, generated_by=None, language=language)
        pdf, kind, identifier, pages = built.pdf, "draft", built.identifier, built.page_count
    try:
        write_private(out, pdf)
    except OSError as error:
        raise click.ClickException(f"{out}: cannot write it: {error.strerror}") from None
    click.echo(f"Wrote the {kind} report {identifier} ({pages} pages) to {out}.")
