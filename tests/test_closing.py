"""Closing an engagement: justification, final report archived with its SHA-256, read-only."""

import hashlib
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from knowtrans.audit.models import AuditEvent
from knowtrans.core.clock import utcnow
from knowtrans.engagements.models import EngagementStatus
from knowtrans.extensions import db as _db
from knowtrans.learning.models import LearningEntry
from knowtrans.plans.models import Criticality, PlanItem
from knowtrans.reports.models import HandoverReport
from knowtrans.users.models import Role
from tests.conftest import row_count


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


@pytest.fixture
def setup(make_user, make_engagement, make_plan_item, make_assignment, make_confirmation):
    """An engagement in handover: one critical item uncovered, one high item covered."""
    expert = make_user(Role.EXPERT, name="Jonas Weber")
    engagement = make_engagement(
        expert=expert, status=EngagementStatus.HANDOVER, title="Platform handover"
    )
    critical = make_plan_item(engagement=engagement, criticality=Criticality.CRITICAL)
    covered = make_plan_item(engagement=engagement, criticality=Criticality.HIGH)
    learner = make_user(Role.STAFF, name="Maria Lopez")
    assignment = make_assignment(plan_item=covered, learner=learner)
    make_assignment(plan_item=critical, learner=learner)
    make_confirmation(assignment, 3, expert)
    return {
        "engagement": engagement,
        "expert": expert,
        "learner": learner,
        "assignment": assignment,
        "critical": critical,
        "cto": make_user(Role.CTO, name="Helena Brandt"),
        "it_lead": make_user(Role.IT_LEAD, name="Markus Klein"),
    }


def close(browser, engagement, justification="", confirm=True):
    data = {"justification": justification}
    if confirm:
        data["confirm"] = "y"
    return browser.post(f"/engagements/{engagement.id}/close", data)


def test_close_page_shows_readiness_and_uncovered_items(setup, login_as):
    html = login_as(setup["cto"]).get(f"/engagements/{setup['engagement'].id}/close")
    text = html.get_data(as_text=True)
    assert html.status_code == 200
    assert "Readiness" in text
    assert setup["critical"].skill.name in text
    assert "Uncovered critical" in text


def test_uncovered_critical_item_needs_a_justification(db, setup, login_as):
    engagement = setup["engagement"]
    response = close(login_as(setup["cto"]), engagement, justification="")
    assert response.status_code == 200
    assert "1 critical item is not covered" in response.get_data(as_text=True)
    db.session.expire_all()
    assert engagement.status is EngagementStatus.HANDOVER
    assert row_count(HandoverReport) == 0


def test_a_justification_says_more_than_ok(db, setup, login_as):
    engagement = setup["engagement"]
    response = close(login_as(setup["cto"]), engagement, justification="ok")
    assert "Write at least 20 characters" in response.get_data(as_text=True)
    db.session.expire_all()
    assert engagement.status is EngagementStatus.HANDOVER
    assert row_count(HandoverReport) == 0


def test_closing_needs_the_confirmation_box(db, setup, login_as):
    response = close(login_as(setup["cto"]), setup["engagement"], "Reason", confirm=False)
    assert "Tick this box" in response.get_data(as_text=True)
    assert row_count(HandoverReport) == 0


def test_close_archives_the_final_report_and_makes_the_engagement_read_only(db, setup, login_as):
    engagement = setup["engagement"]
    it_lead = login_as(setup["it_lead"])
    justification = "Runbook R-12 covers the critical item; Tom takes it over in January."
    response = close(it_lead, engagement, justification)
    assert response.status_code == 302
    db.session.expire_all()
    assert engagement.status is EngagementStatus.CLOSED
    assert engagement.closed_at is not None
    assert engagement.close_justification == justification

    report = db.session.scalar(sa.select(HandoverReport))
    assert report.generated_by_id == setup["it_lead"].id
    assert report.sha256 == hashlib.sha256(report.pdf).hexdigest()
    assert report.page_count == len(PdfReader(BytesIO(report.pdf)).pages)
    assert report.size == len(report.pdf)

    # everyone allowed downloads the same bytes; the page shows the SHA-256
    for user in (setup["cto"], setup["expert"], setup["learner"], setup["it_lead"]):
        download = login_as(user).get(f"/engagements/{engagement.id}/report/final")
        assert download.status_code == 200
        assert download.mimetype == "application/pdf"
        assert hashlib.sha256(download.data).hexdigest() == report.sha256
        assert download.headers["X-Content-SHA256"] == report.sha256
    page = it_lead.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert report.sha256 in page
    assert "read-only" in page

    text = pdf_text(report.pdf)
    assert justification[:40] in " ".join(text.split())
    assert "DRAFT" not in text
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "engagement.close" in actions


def test_after_closing_every_form_refuses_with_a_message(db, setup, login_as, make_skill):
    engagement, assignment = setup["engagement"], setup["assignment"]
    close(login_as(setup["cto"]), engagement, "Accepted: the vendor contract covers it.")
    entries_before = row_count(LearningEntry)
    items_before = row_count(PlanItem)

    cto, learner, expert = (
        login_as(setup["cto"]),
        login_as(setup["learner"]),
        login_as(setup["expert"]),
    )
    new_item = {
        "rows-0-skill_id": str(make_skill().id),
        "rows-0-chosen": "y",
        "rows-0-target_level": "3",
        "rows-0-criticality": "low",
    }
    attempts = [
        (cto, f"/engagements/{engagement.id}/plan/new", new_item),
        (cto, f"/engagements/{engagement.id}/edit", {"title": "Renamed"}),
        (cto, f"/plan-items/{setup['critical'].id}/delete", {}),
        (learner, f"/assignments/{assignment.id}/entries/new", {"minutes": "30", "learned": "x"}),
        (expert, f"/assignments/{assignment.id}/confirm", {"level": "5"}),
        (expert, f"/plan-items/{setup['critical'].id}/notes", {"handover_notes": "late"}),
    ]  # fmt: skip
    for browser, url, data in attempts:
        response = browser.post(url, data, form_url=f"/engagements/{engagement.id}")
        assert response.status_code == 403, url
        assert "This engagement is closed" in response.get_data(as_text=True), url
        if not url.endswith("/delete"):  # the form pages refuse too
            assert browser.get(url).status_code == 403, url

    db.session.expire_all()
    assert row_count(LearningEntry) == entries_before
    assert row_count(PlanItem) == items_before
    assert engagement.title == "Platform handover"
    assert assignment.confirmed_level == 3


def test_a_second_close_is_refused(db, setup, login_as):
    cto = login_as(setup["cto"])
    close(cto, setup["engagement"], "Accepted: the vendor contract covers it.")
    report = db.session.scalar(sa.select(HandoverReport))
    response = close(cto, setup["engagement"], "Again, with the same reason.")
    engagement_page = f"/engagements/{setup['engagement'].id}"
    assert response.status_code == 302
    assert response.headers["Location"] == engagement_page
    assert "closed already; its final report stands" in cto.get(engagement_page).get_data(
        as_text=True
    )
    db.session.expire_all()
    assert row_count(HandoverReport) == 1
    assert db.session.scalar(sa.select(HandoverReport)).sha256 == report.sha256


def test_the_archived_report_is_immutable(db, setup, login_as):
    close(login_as(setup["cto"]), setup["engagement"], "Accepted: the vendor contract covers it.")
    report = db.session.scalar(sa.select(HandoverReport))
    report.page_count = 99
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()


def test_a_failing_pdf_closes_nothing_says_why_and_closing_again_is_one_click(
    db, setup, login_as, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr("knowtrans.reports.build.build_report", broken)
    cto = login_as(setup["cto"])
    engagement_page = f"/engagements/{setup['engagement'].id}"
    response = close(cto, setup["engagement"], "Accepted: the vendor contract covers it.")
    assert response.status_code == 302
    assert response.headers["Location"] == engagement_page
    db.session.expire_all()
    engagement = setup["engagement"]
    assert engagement.status is EngagementStatus.HANDOVER
    assert engagement.closed_at is None
    assert not engagement.is_locked  # open again: the learners can go on recording
    assert row_count(HandoverReport) == 0
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "engagement.close" not in actions
    assert "engagement.close_failed" in actions
    page = cto.get(engagement_page).get_data(as_text=True)
    assert "Closing failed; nothing was closed</h2>" in page
    assert "The final report could not be generated" in page
    assert "layout exploded" not in page  # the log has the details

    monkeypatch.undo()
    again = cto.post(f"{engagement_page}/close/retry", form_url=engagement_page)
    assert again.status_code == 302
    db.session.expire_all()
    assert engagement.status is EngagementStatus.CLOSED
    assert engagement.close_justification == "Accepted: the vendor contract covers it."
    assert row_count(HandoverReport) == 1
    page = cto.get(engagement_page).get_data(as_text=True)
    assert "Closing failed; nothing was closed</h2>" not in page  # the history keeps it


def test_a_planned_engagement_cannot_be_closed(db, login_as, make_user, make_engagement):
    engagement = make_engagement(status=EngagementStatus.PLANNED)
    response = close(
        login_as(make_user(Role.CTO)), engagement, "A reason long enough for the record."
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert engagement.status is EngagementStatus.PLANNED


@pytest.mark.parametrize("role", [Role.STAFF, Role.EXPERT, Role.ADMIN])
def test_only_cto_and_it_lead_close(db, setup, login_as, make_user, role):
    user = (
        setup["learner"]
        if role is Role.STAFF
        else setup["expert"]
        if role is Role.EXPERT
        else make_user(role)
    )
    browser = login_as(user)
    assert browser.get(f"/engagements/{setup['engagement'].id}/close").status_code == 403
    response = close(browser, setup["engagement"], "A reason long enough for the record.")
    assert response.status_code == 403
    assert row_count(HandoverReport) == 0


def test_draft_report_download(db, setup, login_as):
    engagement = setup["engagement"]
    cto = login_as(setup["cto"])
    asked = cto.post(
        f"/engagements/{engagement.id}/report/draft", form_url=f"/engagements/{engagement.id}"
    )
    assert asked.status_code == 303  # to the page that follows the build
    page = cto.get(asked.headers["Location"]).get_data(as_text=True)
    assert "Download the draft report (PDF)" in page  # built already: jobs run at once here
    response = cto.get(asked.headers["Location"] + "/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "draft" in disposition
    assert response.data.startswith(b"%PDF")
    assert "DRAFT" in pdf_text(response.data)
    assert row_count(HandoverReport) == 0
    assert "report.draft" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_draft_needs_post_and_the_right_role(db, setup, login_as):
    engagement = setup["engagement"]
    url = f"/engagements/{engagement.id}/report/draft"
    assert login_as(setup["cto"]).get(url).status_code == 405
    for user in (setup["learner"], setup["expert"]):
        response = login_as(user).post(url, form_url=f"/engagements/{engagement.id}")
        assert response.status_code == 403


def test_final_report_access(db, setup, login_as, make_user, make_engagement):
    engagement = setup["engagement"]
    close(login_as(setup["cto"]), engagement, "Accepted: the vendor contract covers it.")
    url = f"/engagements/{engagement.id}/report/final"
    outsider_staff = make_user(Role.STAFF)
    other_expert = make_user(Role.EXPERT)
    assert login_as(outsider_staff).get(url).status_code == 404
    assert login_as(other_expert).get(url).status_code == 404
    assert login_as(make_user(Role.ADMIN)).get(url).status_code == 200
    open_engagement = make_engagement()
    assert (
        login_as(setup["cto"]).get(f"/engagements/{open_engagement.id}/report/final").status_code
        == 404
    )
    assert login_as(setup["cto"]).get("/engagements/999999/report/final").status_code == 404


def test_archive_lists_final_reports_the_user_may_see(db, setup, login_as, make_user):
    close(login_as(setup["cto"]), setup["engagement"], "Accepted: the vendor contract covers it.")
    report = db.session.scalar(sa.select(HandoverReport))
    for user in (setup["cto"], setup["learner"], setup["expert"]):
        html = login_as(user).get("/reports").get_data(as_text=True)
        assert report.identifier in html
        assert report.sha256 in html
    html = login_as(make_user(Role.STAFF)).get("/reports").get_data(as_text=True)
    assert report.identifier not in html
    assert "No final reports yet" in html


def test_report_command(app, db, setup, login_as, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "draft.pdf"
    result = runner.invoke(args=["report", str(setup["engagement"].id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert "draft" in result.output

    result = runner.invoke(args=["report", "424242", "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0
    assert "no engagement with id 424242" in result.output
    assert not (tmp_path / "x.pdf").exists()

    close(login_as(setup["cto"]), setup["engagement"], "Accepted: the vendor contract covers it.")
    final = tmp_path / "final.pdf"
    result = runner.invoke(args=["report", str(setup["engagement"].id), "--out", str(final)])
    assert result.exit_code == 0, result.output
    stored = db.session.scalar(sa.select(HandoverReport))
    assert final.read_bytes() == stored.pdf


# --- the operation enforces the rules, whoever calls it ---------------------------------------


def refusal_of_close(
    db, engagement, actor, justification="Accepted: the vendor contract covers it."
):
    """The Refused ``close_engagement`` raises; the session is rolled back as the pipeline does."""
    from knowtrans.closing import operations
    from knowtrans.core.errors import Refused

    with pytest.raises(Refused) as refused:
        operations.close_engagement(engagement, justification=justification, actor=actor)
    db.session.rollback()
    return refused.value


def assert_still_open(db, engagement, status=EngagementStatus.HANDOVER):
    db.session.expire_all()
    assert engagement.status is status
    assert engagement.closed_at is None
    assert row_count(HandoverReport) == 0
    assert "engagement.close" not in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_close_engagement_refuses_an_engagement_closed_already(db, setup):
    from knowtrans.closing import operations

    engagement = setup["engagement"]
    justification = "Accepted: the vendor contract covers it."
    operations.close_engagement(engagement, justification=justification, actor=setup["cto"])
    db.session.commit()
    refused = refusal_of_close(db, engagement, setup["it_lead"])
    assert isinstance(refused, operations.AlreadyClosed)
    assert str(refused) == "This engagement is closed already; its final report stands."
    assert row_count(HandoverReport) == 1


def test_close_engagement_refuses_a_planned_engagement(db, setup, make_engagement):
    engagement = make_engagement(status=EngagementStatus.PLANNED)
    refused = refusal_of_close(db, engagement, setup["cto"])
    assert str(refused) == (
        "Only an active engagement or one in handover can be closed; this one is planned."
    )
    assert_still_open(db, engagement, EngagementStatus.PLANNED)


@pytest.mark.parametrize(
    ("justification", "message"),
    [
        ("", "1 critical item is not covered: write why the engagement closes anyway."),
        ("ok", "Write at least 20 characters: the justification goes into the final report"),
    ],
)
def test_close_engagement_needs_a_justification_for_uncovered_critical_items(
    db, setup, justification, message
):
    refused = refusal_of_close(db, setup["engagement"], setup["cto"], justification)
    assert str(refused).startswith(message)
    assert refused.field == "justification"
    assert_still_open(db, setup["engagement"])


def test_close_engagement_needs_no_justification_when_the_critical_items_are_covered(
    db, setup, make_assignment, make_confirmation
):
    from knowtrans.closing import operations

    assignment = make_assignment(plan_item=setup["critical"])
    make_confirmation(assignment, setup["critical"].target_level, setup["expert"])
    report = operations.close_engagement(setup["engagement"], justification="", actor=setup["cto"])
    db.session.commit()
    assert report.engagement_id == setup["engagement"].id


def test_close_engagement_refuses_when_the_final_report_fails(db, setup, monkeypatch):
    from knowtrans.closing import operations

    def broken(*args, **kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr("knowtrans.reports.build.build_report", broken)
    refused = refusal_of_close(db, setup["engagement"], setup["cto"])
    assert isinstance(refused, operations.ReportNotGenerated)
    assert str(refused).startswith("The final report could not be generated")
    assert isinstance(refused.__cause__, RuntimeError)
    assert_still_open(db, setup["engagement"])


def archive_elsewhere(engagement, by) -> None:
    """Another request's final report, committed on its own connection: it closed the
    engagement past the status check (the engagement's own row is left as it was)."""
    table = HandoverReport.__table__
    with _db.engine.begin() as connection:
        connection.execute(
            table.insert().values(
                engagement_id=engagement.id,
                identifier=f"KT-{engagement.id:05d}-F-ELSEWHERE",
                generated_at=utcnow(),
                generated_by_id=by.id,
                page_count=1,
                sha256="0" * 64,
                size=4,
                pdf=b"%PDF",
            )
        )


def test_close_engagement_refuses_when_another_request_archived_the_report(db, setup):
    """The final report is unique per engagement: the second close is refused at its flush."""
    archive_elsewhere(setup["engagement"], setup["it_lead"])
    refused = refusal_of_close(db, setup["engagement"], setup["cto"])
    assert str(refused) == "This engagement was closed in the meantime; its final report stands."
    db.session.expire_all()
    assert setup["engagement"].status is EngagementStatus.HANDOVER
    assert row_count(HandoverReport) == 1


def test_a_close_refused_at_the_archive_says_so_and_closes_nothing(db, setup, login_as):
    archive_elsewhere(setup["engagement"], setup["it_lead"])
    cto = login_as(setup["cto"])
    response = close(cto, setup["engagement"], "Accepted: the vendor contract covers it.")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/engagements/{setup['engagement'].id}"
    page = cto.get(response.headers["Location"]).get_data(as_text=True)
    assert "closed in the meantime; its final report stands" in page
    db.session.expire_all()
    assert setup["engagement"].status is EngagementStatus.HANDOVER
    assert row_count(HandoverReport) == 1
