"""E-mail, sent by the worker: never inside a request.

``send_mail`` renders a plain-text message from ``templates/mail/`` and sends the job that
delivers it once the transaction that asked for it commits (nothing is sent for a change
that rolls back). The job retries with a growing delay when the mail server does not
answer (``MAIL_RETRIES`` times: after 1, 2, 4, 8 … minutes). Flask-Mailman delivers:
``MAIL_BACKEND`` ``smtp`` in production, ``file`` (the instance folder's ``mail/``) in
development, ``locmem`` in the tests.

Links in a message are absolute, from ``BASE_URL`` (a job has no request to take the host
from).
"""

import re
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_mailman import EmailMessage

from knowtrans.core.tasks import job, send_after_commit

#: how often a message the mail server refused or did not take is tried again
MAIL_RETRIES = 8
#: seconds before the first retry; doubled for each further one
MAIL_RETRY_DELAY = 60


@job(
    kind="mail.send",
    retries=MAIL_RETRIES,
    retry_delay=MAIL_RETRY_DELAY,
    retry_backoff=2,
    log_args=False,  # addresses and texts stay out of the log
)
def deliver(to: str, subject: str, body: str) -> dict:
    EmailMessage(subject=subject, body=body, to=[to]).send()
    return {"result": "sent"}


def send_mail(to: str, subject: str, template: str, **context: Any) -> None:
    """Send ``templates/mail/<template>.txt`` to ``to`` after the commit."""
    body = render_template(f"mail/{template}.txt", **context)
    send_after_commit(deliver, to, one_line(subject), body)


def one_line(text: str) -> str:
    """A header holds one line: breaks and runs of spaces become one space."""
    return re.sub(r"\s+", " ", text).strip()


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` under ``BASE_URL``, with or without a request."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
