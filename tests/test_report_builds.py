"""Draft reports as jobs: one build per state of the data, a page that follows it, failures
that can be retried, builds a crashed worker left taken up again, unused drafts dropped.

Jobs run at once here (TASK_QUEUE_URL=immediate:), after the request's commit; the states a
slow worker shows (queued, building) are made by writing the row as a worker would."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from knowtrans.audit.models import AuditEvent
from knowtrans.core.clock import utcnow
from knowtrans.core.tasks import commit_and_send
from knowtrans.reports import operations, tasks
from knowtrans.reports.models import BuildStatus, ReportBuild
from knowtrans.users.models import Role
from tests.conftest import csrf_token_from, row_count


@pytest.fixture
def setup(make_user, make_engagement, make_plan_item, make_assignment, make_entry):
    expert = make_user(Role.EXPERT, name="Jonas Weber")
    engagement = make_engagement(expert=expert, title="Platform handover")
    assignment = make_assignment(plan_item=make_plan_item(engagement=engagement))
    make_entry(assignment, learned="Rotated the etcd certificates.")
    return {
        "engagement": engagement,
        "assignment": assignment,
        "cto": make_user(Role.CTO, name="Helena Brandt"),
        "it_lead": make_user(Role.IT_LEAD, name="Markus Klein"),
    }


def ask(browser, engagement):
    page = f"/engagements/{engagement.id}"
    return browser.post(f"{page}/report/draft", form_url=page)


def drafts_generated() -> int:
    return len(
        _events("report.draft"),
    )


def _events(action):
    from knowtrans.extensions import db

    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_draft_is_built_once_for_unchanged_data_whoever_asks(setup, login_as, db):
    cto, lead = login_as(setup["cto"]), login_as(setup["it_lead"])
    first = ask(cto, setup["engagement"])
    assert first.status_code == 303
    page = cto.get(first.headers["Location"]).get_data(as_text=True)
    assert "Download the draft report (PDF)" in page
    assert "generated for Helena Brandt" in page

    again = ask(lead, setup["engagement"])  # another user, the same data: the file at once
    assert again.status_code == 200
    assert again.mimetype == "application/pdf"
    assert again.data.startswith(b"%PDF")
    assert row_count(ReportBuild) == 1
    assert drafts_generated() == 1
    [download] = _events("report.draft_download")  # every copy taken is in the history
    assert download.actor_id == setup["it_lead"].id


def test_changed_data_gets_a_new_draft(setup, login_as, make_entry, db):
    cto = login_as(setup["cto"])
    ask(cto, setup["engagement"])
    make_entry(setup["assignment"], learned="Restored a volume from its snapshot.")
    assert ask(cto, setup["engagement"]).status_code == 303
    assert row_count(ReportBuild) == 2
    assert drafts_generated() == 2


def test_the_page_of_a_waiting_build_refreshes_itself_and_estimates(setup, login_as, db):
    engagement = setup["engagement"]
    now = utcnow()
    db.session.add_all(
        [
            ReportBuild(  # the speed of the last builds: 20 pages in 10 s
                engagement=engagement,
                data_key="a" * 64,
                requested_by=setup["cto"],
                status=BuildStatus.READY,
                started_at=now - timedelta(seconds=70),
                finished_at=now - timedelta(seconds=60),
                page_count=20,
                pdf=b"%PDF-",
            ),
            waiting := ReportBuild(
                engagement=engagement,
                data_key="b" * 64,
                requested_by=setup["cto"],
                status=BuildStatus.BUILDING,
                started_at=now - timedelta(seconds=4),
                worker="elsewhere:1",
            ),
        ]
    )
    db.session.commit()
    cto = login_as(setup["cto"])
    page = cto.get(f"/reports/builds/{waiting.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Being built" in page
    assert "about 6 s left" in page  # 20 pages at 2 pages per second, 4 s gone
    assert "2.0 pages per second" in page
    # the file is not there yet: back to the page
    response = cto.get(f"/reports/builds/{waiting.id}/pdf")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reports/builds/{waiting.id}")


def test_a_failed_build_says_so_and_is_tried_again_with_one_click(setup, login_as, db, monkeypatch):
    from knowtrans.reports import build as build_module

    def broken(*args, **kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr(build_module, "build_report", broken)
    cto = login_as(setup["cto"])
    asked = ask(cto, setup["engagement"])
    page = cto.get(asked.headers["Location"]).get_data(as_text=True)
    assert "The draft could not be built" in page
    assert "Try again" in page
    assert "layout exploded" not in page  # the log has it, the page speaks to people
    assert drafts_generated() == 0

    monkeypatch.undo()
    retried = ask(cto, setup["engagement"])
    assert retried.headers["Location"] == asked.headers["Location"]  # the same build
    page = cto.get(retried.headers["Location"]).get_data(as_text=True)
    assert "Download the draft report (PDF)" in page
    build = db.session.scalar(sa.select(ReportBuild))
    # a person's "Try again" starts the count of attempts afresh
    assert (build.status, build.attempts, build.error) == (BuildStatus.READY, 1, "")


def test_two_workers_never_build_the_same_draft(setup, db):
    build = ReportBuild(
        engagement=setup["engagement"], data_key="c" * 64, requested_by=setup["cto"]
    )
    db.session.add(build)
    db.session.commit()
    stale = utcnow() - timedelta(minutes=20)
    assert operations.claim_build(build.id, "host:1", stale_before=stale) is not None
    assert operations.claim_build(build.id, "host:2", stale_before=stale) is None
    db.session.commit()
    # a build whose worker outlived every time limit is taken up again
    later = utcnow() + timedelta(seconds=1)
    claimed = operations.claim_build(build.id, "host:3", stale_before=later)
    assert claimed is not None
    assert (claimed.worker, claimed.attempts) == ("host:3", 2)


def test_a_build_left_by_a_dead_worker_is_built_when_a_worker_starts(setup, db):
    from knowtrans.core.worker import worker_name

    dead = ReportBuild(
        engagement=setup["engagement"],
        data_key="d" * 64,
        requested_by=setup["cto"],
        status=BuildStatus.BUILDING,
        started_at=utcnow(),
        worker=worker_name(2**22 + 7),  # no such process
        attempts=1,
    )
    alive = ReportBuild(
        engagement=setup["engagement"],
        data_key="e" * 64,
        requested_by=setup["cto"],
        status=BuildStatus.BUILDING,
        started_at=utcnow(),
        worker=worker_name(),  # this very process: still working on it
        attempts=1,
    )
    db.session.add_all([dead, alive])
    db.session.commit()
    assert tasks.take_up_abandoned_builds() == 1
    commit_and_send()
    db.session.expire_all()
    assert dead.status is BuildStatus.READY
    assert dead.attempts == 2
    assert alive.status is BuildStatus.BUILDING


def test_the_periodic_check_sends_builds_whose_worker_stopped(setup, db, app):
    stalled = ReportBuild(
        engagement=setup["engagement"],
        data_key="f" * 64,
        requested_by=setup["cto"],
        status=BuildStatus.BUILDING,
        started_at=utcnow() - timedelta(seconds=app.config["JOB_TIME_LIMIT"] + 120),
        worker="another-host:12",
        attempts=1,
    )
    db.session.add(stalled)
    db.session.commit()
    tasks.recover_stalled_builds.call_local()
    db.session.expire_all()
    assert stalled.status is BuildStatus.READY


def test_drafts_nobody_asked_for_in_a_week_are_dropped(setup, db):
    old, recent = utcnow() - timedelta(days=8), utcnow() - timedelta(days=1)
    for key, asked in (("1", old), ("2", recent)):
        db.session.add(
            ReportBuild(
                engagement=setup["engagement"],
                data_key=key * 64,
                requested_by=setup["cto"],
                status=BuildStatus.READY,
                last_requested_at=asked,
                pdf=b"%PDF-",
            )
        )
    db.session.commit()
    tasks.drop_unused_drafts.call_local()
    db.session.expire_all()
    assert db.session.scalars(sa.select(ReportBuild.data_key)).all() == ["2" * 64]


def test_asking_at_the_same_moment_as_another_request_shares_its_build(
    setup, login_as, db, monkeypatch
):
    """The other request's row appears between the look-up and the insert."""
    from knowtrans.reports.build import draft_key, report_language, report_timezone

    cto = setup["cto"]
    key = draft_key(
        setup["engagement"].id, utcnow().date(), report_language(cto), report_timezone(cto)
    )
    db.session.add(
        ReportBuild(engagement=setup["engagement"], data_key=key, requested_by=setup["it_lead"])
    )
    db.session.commit()
    found = operations._build_with
    calls = []

    def missed_twice(condition, engagement_id):
        calls.append(condition)  # by stamp, by key: the row appears only then
        return None if len(calls) <= 2 else found(condition, engagement_id)

    monkeypatch.setattr(operations, "_build_with", missed_twice)
    browser = login_as(cto)
    asked = ask(browser, setup["engagement"])
    assert asked.status_code == 303
    assert row_count(ReportBuild) == 1


def test_a_build_whose_workers_keep_dying_is_given_up_with_a_reason(setup, db):
    from knowtrans.core.worker import worker_name

    doomed = ReportBuild(
        engagement=setup["engagement"],
        data_key="9" * 64,
        requested_by=setup["cto"],
        status=BuildStatus.BUILDING,
        started_at=utcnow(),
        worker=worker_name(2**22 + 9),
        attempts=operations.MAX_ATTEMPTS,
    )
    db.session.add(doomed)
    db.session.commit()
    assert tasks.take_up_abandoned_builds() == 0
    commit_and_send()
    db.session.expire_all()
    assert doomed.status is BuildStatus.FAILED
    assert doomed.error == operations.WORKERS_DIED


def test_a_queued_build_no_worker_took_up_is_sent_again(setup, db):
    lost = ReportBuild(
        engagement=setup["engagement"],
        data_key="8" * 64,
        requested_by=setup["cto"],
        requested_at=utcnow() - tasks.QUEUED_PATIENCE - timedelta(seconds=5),
    )
    fresh = ReportBuild(
        engagement=setup["engagement"], data_key="7" * 64, requested_by=setup["cto"]
    )
    db.session.add_all([lost, fresh])
    db.session.commit()
    tasks.recover_stalled_builds.call_local()
    db.session.expire_all()
    assert lost.status is BuildStatus.READY
    assert fresh.status is BuildStatus.QUEUED  # its message is surely still on its way


def test_an_unchanged_draft_is_found_again_without_gathering_the_reports_data(
    setup, login_as, make_engagement, make_entry, db, monkeypatch, count_queries
):
    """While no write raised the change counters, the stamp finds the draft: no hashing of
    the report's data. A write elsewhere leaves the stamp; one here makes the next request
    look the slow way (and find the same draft when the data did not change in effect)."""
    from knowtrans.core import changes
    from knowtrans.reports import build as build_module

    cto = login_as(setup["cto"])
    ask(cto, setup["engagement"])
    gathered = []
    real = build_module.gather_report_data

    def counting(*args, **kwargs):
        gathered.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(build_module, "gather_report_data", counting)
    page = f"/engagements/{setup['engagement'].id}"
    token = csrf_token_from(cto.get(page).get_data(as_text=True))
    with count_queries() as queries:
        again = cto.client.post(f"{page}/report/draft", data={"csrf_token": token})
    assert again.mimetype == "application/pdf"
    assert gathered == []
    # the user, the engagement, the stamp's counters, the build, its PDF; the update and
    # the download's audit event
    assert len(queries) == 8, queries

    make_engagement(expert=setup["engagement"].expert)  # another engagement's write
    assert ask(cto, setup["engagement"]).mimetype == "application/pdf"
    assert gathered == []

    changes.raise_counters(db.session, [setup["engagement"].id])  # a write of no effect
    db.session.commit()
    assert ask(cto, setup["engagement"]).mimetype == "application/pdf"  # found by its data
    assert len(gathered) == 1
    assert ask(cto, setup["engagement"]).mimetype == "application/pdf"  # and stamped again
    assert len(gathered) == 1

    setup["assignment"].plan_item.handover_notes = "Runbooks in the wiki."
    db.session.commit()
    assert ask(cto, setup["engagement"]).status_code == 303  # new data: a new draft
    assert len(gathered) == 3  # hashed by the request, built by the (immediate) worker
    assert row_count(ReportBuild) == 2
    assert ask(cto, setup["engagement"]).mimetype == "application/pdf"
    assert len(gathered) == 3
