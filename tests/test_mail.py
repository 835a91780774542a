"""E-mail goes out from a job after the commit, with retries; closing tells the person who
asked to close whether it closed."""

import logging

import pytest
from flask_mailman import EmailMessage
from hypothesis import given
from hypothesis import strategies as st

from knowtrans.core import mail
from knowtrans.core.tasks import huey, send_after_commit, send_committed
from knowtrans.engagements.models import EngagementStatus
from knowtrans.reports.models import HandoverReport
from knowtrans.users.models import Role
from tests.conftest import row_count


@pytest.fixture
def setup(make_user, make_engagement, make_plan_item, make_assignment, make_confirmation):
    expert = make_user(Role.EXPERT, name="Jonas Weber")
    engagement = make_engagement(
        expert=expert, status=EngagementStatus.HANDOVER, title="Platform handover"
    )
    assignment = make_assignment(plan_item=make_plan_item(engagement=engagement))
    make_confirmation(assignment, 5, expert)
    return {
        "engagement": engagement,
        "cto": make_user(Role.CTO, name="Helena Brandt", email="helena@example.com"),
    }


def close(browser, engagement):
    page = f"/engagements/{engagement.id}"
    return browser.post(
        f"{page}/close",
        {"justification": "Everything is covered.", "confirm": "y"},
        form_url=f"{page}/close",
    )


def test_who_asked_to_close_is_told_it_closed(setup, login_as, outbox, db):
    engagement = setup["engagement"]
    assert close(login_as(setup["cto"]), engagement).status_code == 302
    [message] = outbox
    report = db.session.scalars(db.select(HandoverReport)).one()
    assert message.to == ["helena@example.com"]
    assert message.subject == "Closed: Platform handover"
    assert "Hello Helena Brandt," in message.body
    assert f"{report.identifier}, {report.page_count} pages" in message.body
    assert report.sha256 in message.body
    base = "https://knowtrans.example.com"
    assert f"{base}/engagements/{engagement.id}/report/final" in message.body
    assert f"{base}/engagements/{engagement.id}\n" in message.body


def test_who_asked_to_close_is_told_why_it_did_not(setup, login_as, outbox, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr("knowtrans.reports.build.build_report", broken)
    assert close(login_as(setup["cto"]), setup["engagement"]).status_code == 302
    [message] = outbox
    assert message.subject == "Not closed: Platform handover"
    assert "The final report could not be generated" in message.body
    assert "layout exploded" not in message.body
    assert "Close again" in message.body
    assert row_count(HandoverReport) == 0


def test_nothing_is_sent_for_a_change_that_rolls_back(app, db, outbox):
    send_after_commit(mail.deliver, "someone@example.com", "Hello", "Body")
    db.session.rollback()
    db.session.commit()
    assert outbox == []


def test_a_person_who_left_is_not_written_to(setup, login_as, outbox, db):
    cto = login_as(setup["cto"])
    engagement = setup["engagement"]
    page = f"/engagements/{engagement.id}/close"
    token_page = cto.get(page).get_data(as_text=True)
    setup["cto"].active = False
    db.session.commit()
    from tests.conftest import csrf_token_from

    cto.client.post(
        page,
        data={
            "csrf_token": csrf_token_from(token_page),
            "justification": "Everything is covered.",
            "confirm": "y",
        },
    )
    assert outbox == []


def test_a_refused_message_is_tried_again_later_and_the_log_keeps_no_address(
    app, db, outbox, monkeypatch, caplog
):
    refusals = []

    def refusing(self, *args, **kwargs):
        refusals.append(self.to)
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refusing)
    before = len(huey.scheduled())
    with caplog.at_level(logging.INFO, logger="knowtrans.tasks"):
        send_after_commit(mail.deliver, "someone@example.com", "Hello", "Body")
        db.session.commit()
        send_committed()  # as the pipeline does after a request
    assert refusals == [["someone@example.com"]]
    [retry] = huey.scheduled()[before:]  # again in a minute, with a growing delay
    assert retry.retries == mail.MAIL_RETRIES - 1
    assert retry.retry_delay == mail.MAIL_RETRY_DELAY * 2
    assert "someone@example.com" not in caplog.text
    assert "mail.send" in caplog.text
    assert "ConnectionRefusedError" in caplog.text
    monkeypatch.undo()
    [due] = huey.read_schedule(retry.eta)  # a minute later the worker takes it up
    huey.execute(due, timestamp=retry.eta)  # and the server answers again
    assert [message.to for message in outbox] == [["someone@example.com"]]


@given(st.text())
def test_a_subject_is_one_line_whatever_it_is_made_of(app, text):
    subject = mail.one_line(text)
    assert "\n" not in subject
    assert "\r" not in subject
    with app.app_context():
        message = EmailMessage(subject=subject, body="", to=["a@example.com"])
        message.message()  # raises on a header that spans lines


def test_links_are_absolute_under_the_base_url(app):
    app.config["BASE_URL"] = "https://intranet.example.com/knowtrans"
    try:
        with app.app_context():
            url = mail.external_url("engagements.show", engagement_id=7)
    finally:
        app.config["BASE_URL"] = "https://knowtrans.example.com"
    assert url == "https://intranet.example.com/knowtrans/engagements/7"
