import sqlalchemy as sa

from knowtrans.extensions import db
from knowtrans.reports.models import HandoverReport


def final_report_of(engagement_id: int) -> HandoverReport | None:
    """The archived final report's facts (the PDF itself stays deferred)."""
    return db.session.scalar(
        sa.select(HandoverReport).where(HandoverReport.engagement_id == engagement_id)
    )
