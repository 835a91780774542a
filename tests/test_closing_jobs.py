"""Closing as a job: locked while the worker builds the final report, closed once however
often the job runs, taken up again after a worker died."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from knowtrans.audit.models import AuditEvent
from knowtrans.closing import operations, tasks
from knowtrans.core.clock import utcnow
from knowtrans.core.tasks import commit_and_send
from knowtrans.core.worker import worker_name
from knowtrans.engagements.models import EngagementStatus
from knowtrans.reports.models import HandoverReport
from knowtrans.users.models import Role
from tests.conftest import row_count


@pytest.fixture
def setup(make_user, make_engagement, make_plan_item, make_assignment, make_entry):
    expert = make_user(Role.EXPERT, name="Jonas Weber")
    engagement = make_engagement(
        expert=expert, status=EngagementStatus.HANDOVER, title="Storage migration"
    )
    assignment = make_assignment(plan_item=make_plan_item(engagement=engagement))
    make_entry(assignment)
    return {
        "engagement": engagement,
        "assignment": assignment,
        "learner": assignment.learner,
        "cto": make_user(Role.CTO, name="Helena Brandt"),
    }


def being_closed(db, engagement, cto, *, worker="", started=None):
    """The state a request leaves for the worker (the job itself not sent)."""
    engagement.closing_requested_at = utcnow()
    engagement.closing_requested_by = cto
    engagement.closing_worker = worker
    engagement.closing_started_at = started
    db.session.commit()


def closes_and_reports() -> tuple[int, int]:
    from knowtrans.extensions import db

    closes = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "engagement.close")
    )
    return closes, row_count(HandoverReport)


def test_an_engagement_being_closed_is_read_only_and_says_so(setup, db, login_as):
    engagement = setup["engagement"]
    being_closed(db, engagement, setup["cto"])
    cto = login_as(setup["cto"])
    page = cto.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert "Being closed: the final report is being built" in page
    assert '<meta http-equiv="refresh" content="5">' in page
    assert "Download draft report" not in page
    refused = cto.get(f"/engagements/{engagement.id}/edit")
    assert refused.status_code == 403
    assert "being closed" in refused.get_data(as_text=True)
    learner = login_as(setup["learner"])
    assignment_page = learner.get(f"/assignments/{setup['assignment'].id}")
    assert "This engagement is being closed" in assignment_page.get_data(as_text=True)
    new_entry = f"/assignments/{setup['assignment'].id}/entries/new"
    assert learner.get(new_entry).status_code == 403
    # the close page sends a second request back to the engagement
    again = cto.get(f"/engagements/{engagement.id}/close")
    assert again.status_code == 302


def test_two_workers_never_close_the_same_engagement(setup, db):
    engagement = setup["engagement"]
    being_closed(db, engagement, setup["cto"])
    stale = utcnow() - timedelta(minutes=20)
    assert operations.claim_closing(engagement.id, "host:1", stale_before=stale) is not None
    assert operations.claim_closing(engagement.id, "host:2", stale_before=stale) is None


def test_the_job_run_twice_closes_once(setup, db):
    engagement = setup["engagement"]
    being_closed(db, engagement, setup["cto"])
    tasks.close_engagement(engagement.id)
    tasks.close_engagement(engagement.id)
    db.session.expire_all()
    assert engagement.status is EngagementStatus.CLOSED
    assert closes_and_reports() == (1, 1)


def test_a_closing_left_by_a_dead_worker_is_finished_when_a_worker_starts(setup, db):
    engagement = setup["engagement"]
    being_closed(db, engagement, setup["cto"], worker=worker_name(2**22 + 7), started=utcnow())
    assert tasks.take_up_abandoned_closings() == 1
    commit_and_send()
    db.session.expire_all()
    assert engagement.status is EngagementStatus.CLOSED
    assert closes_and_reports() == (1, 1)


def test_a_closing_a_live_worker_runs_is_left_to_it(setup, db):
    engagement = setup["engagement"]
    being_closed(db, engagement, setup["cto"], worker=worker_name(), started=utcnow())
    assert tasks.take_up_abandoned_closings() == 0


def test_the_periodic_check_sends_closings_whose_worker_stopped(setup, db, app):
    engagement = setup["engagement"]
    long_ago = utcnow() - timedelta(seconds=app.config["JOB_TIME_LIMIT"] + 120)
    being_closed(db, engagement, setup["cto"], worker="another-host:9", started=long_ago)
    tasks.recover_stalled_closings.call_local()
    db.session.expire_all()
    assert engagement.status is EngagementStatus.CLOSED
    assert closes_and_reports() == (1, 1)


def test_a_closing_whose_workers_keep_dying_unlocks_and_says_why(setup, db):
    engagement = setup["engagement"]
    being_closed(db, engagement, setup["cto"], worker=worker_name(2**22 + 7), started=utcnow())
    engagement.closing_attempts = operations.MAX_ATTEMPTS
    db.session.commit()
    assert tasks.take_up_abandoned_closings() == 0
    commit_and_send()
    db.session.expire_all()
    assert engagement.status is EngagementStatus.HANDOVER
    assert not engagement.is_locked
    assert engagement.closing_error == operations.WORKERS_DIED
    assert closes_and_reports() == (0, 0)


def test_a_closing_no_worker_took_up_is_sent_again(setup, db):
    engagement = setup["engagement"]
    being_closed(db, engagement, setup["cto"])
    engagement.closing_requested_at = utcnow() - tasks.UNCLAIMED_PATIENCE - timedelta(seconds=5)
    db.session.commit()
    tasks.recover_stalled_closings.call_local()
    db.session.expire_all()
    assert engagement.status is EngagementStatus.CLOSED
    assert closes_and_reports() == (1, 1)


def test_a_failed_closing_leaves_no_justification_in_the_drafts(setup, db, login_as):
    from knowtrans.reports.data import gather_report_data

    engagement = setup["engagement"]
    engagement.close_justification = "Kept for closing again, not for the draft."
    engagement.closing_error = "The final report could not be generated."
    db.session.commit()
    data = gather_report_data(
        engagement.id, final=False, generated_by=None, generated_at=utcnow(), identifier="D"
    )
    assert data.engagement.close_justification == ""


def writing(db) -> bool:
    """Whether the session's transaction has written (holds SQLite's write lock, or has a
    PostgreSQL transaction id)."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        return connection.connection.dbapi_connection.in_transaction
    return connection.scalar(sa.text("SELECT pg_current_xact_id_if_assigned()")) is not None


def test_the_final_report_is_laid_out_before_anything_is_written(setup, db, monkeypatch):
    """The long part of closing reads only: on SQLite other writers are not kept waiting
    (they would give up after the busy timeout) while the worker lays the report out."""
    from knowtrans.reports import build

    engagement = setup["engagement"]
    being_closed(db, engagement, setup["cto"])
    real, seen = build.html_to_pdf, []

    def laying_out(html):
        seen.append(writing(db))
        return real(html)

    monkeypatch.setattr(build, "html_to_pdf", laying_out)
    assert tasks.close_engagement.call_local(engagement.id)["pages"] > 0
    assert seen == [False]
    assert closes_and_reports() == (1, 1)
    assert db.session.get(type(engagement), engagement.id).status is EngagementStatus.CLOSED


def test_the_final_report_shows_the_closing_it_precedes(setup, db):
    """Built before the closing is written, the final report's data is what it would be
    after: closed, at the moment of closing, with the justification."""
    import dataclasses

    from knowtrans.reports.data import gather_report_data

    engagement, cto = setup["engagement"], setup["cto"]
    moment = utcnow().replace(microsecond=0)

    def gathered(**kwargs):
        data = gather_report_data(
            engagement.id,
            final=True,
            generated_by=cto,
            generated_at=moment,
            identifier="X",
            **kwargs,
        )
        return dataclasses.asdict(data)

    before = gathered(close_justification="Runbooks suffice for the backups.")
    engagement.status = EngagementStatus.CLOSED
    engagement.closed_at = moment
    engagement.close_justification = "Runbooks suffice for the backups."
    db.session.flush()
    after = gathered()
    assert before == after
    assert after["engagement"]["status"] == "Closed"
    assert after["engagement"]["close_justification"] == "Runbooks suffice for the backups."
    db.session.rollback()
