"""What closing tells the person who asked to close: closed, with the final report, or not
closed and why. Sent by the worker once the closing (or its failure) is committed, in the
recipient's own language and time zone."""

from flask_babel import gettext as _

from knowtrans.core.i18n import speaking
from knowtrans.core.mail import external_url, send_mail
from knowtrans.engagements.models import Engagement
from knowtrans.reports.models import HandoverReport
from knowtrans.users.models import User


def tell_closed(engagement: Engagement, report: HandoverReport, person: User) -> None:
    if person.active:
        with speaking(person.language, person.timezone):
            send_mail(
                person.email,
                _("Closed: %(title)s", title=engagement.title),
                "closed",
                person=person,
                engagement=engagement,
                report=report,
                engagement_url=external_url("engagements.show", engagement_id=engagement.id),
                report_url=external_url("reports.final", engagement_id=engagement.id),
            )


def tell_not_closed(engagement: Engagement, person: User) -> None:
    if person.active:
        with speaking(person.language, person.timezone):
            send_mail(
                person.email,
                _("Not closed: %(title)s", title=engagement.title),
                "not_closed",
                person=person,
                engagement=engagement,
                engagement_url=external_url("engagements.show", engagement_id=engagement.id),
            )
