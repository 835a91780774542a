"""What closing tells the person who asked to close: closed, with the final report, or not
closed and why. Sent by the worker once the closing (or its failure) is committed."""

from knowtrans.core.mail import external_url, send_mail
from knowtrans.engagements.models import Engagement
from knowtrans.reports.models import HandoverReport
from knowtrans.users.models import User


def tell_closed(engagement: Engagement, report: HandoverReport, person: User) -> None:
    if person.active:
        send_mail(
            person.email,
            f"Closed: {engagement.title}",
            "closed",
            person=person,
            engagement=engagement,
            report=report,
            engagement_url=external_url("engagements.show", engagement_id=engagement.id),
            report_url=external_url("reports.final", engagement_id=engagement.id),
        )


def tell_not_closed(engagement: Engagement, person: User) -> None:
    if person.active:
        send_mail(
            person.email,
            f"Not closed: {engagement.title}",
            "not_closed",
            person=person,
            engagement=engagement,
            engagement_url=external_url("engagements.show", engagement_id=engagement.id),
        )
