import sqlalchemy as sa
from sqlalchemy.orm import joinedload, undefer

from knowtrans.engagements.models import Engagement
from knowtrans.engagements.queries import visible_engagements
from knowtrans.extensions import db
from knowtrans.reports.models import HandoverReport
from knowtrans.users.models import User


def final_report_of(engagement_id: int, *, with_pdf: bool = False) -> HandoverReport | None:
    """The archived final report's facts; the PDF itself only ``with_pdf`` (it is deferred)."""
    query = sa.select(HandoverReport).where(HandoverReport.engagement_id == engagement_id)
    if with_pdf:
        query = query.options(undefer(HandoverReport.pdf))
    return db.session.scalar(query)


def archived_reports(user: User) -> sa.Select:
    """The final reports of the engagements ``user`` may see, the newest first."""
    visible = visible_engagements(user).with_only_columns(Engagement.id)
    return (
        sa.select(HandoverReport)
        .where(HandoverReport.engagement_id.in_(visible))
        .options(
            joinedload(HandoverReport.engagement).joinedload(Engagement.expert),
            joinedload(HandoverReport.generated_by),
        )
        .order_by(HandoverReport.generated_at.desc(), HandoverReport.id.desc())
    )
