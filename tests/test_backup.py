"""Export every record and restore it into an empty database."""

import json

import sqlalchemy as sa

from knowtrans.auth.models import Role, User
from knowtrans.backup.operations import FORMAT_VERSION, WITHHELD
from knowtrans.engagements.models import EngagementStatus
from knowtrans.extensions import db as _db
from knowtrans.reports.models import HandoverReport
from tests.conftest import PASSWORD, Browser


def wipe():
    _db.session.remove()
    with _db.engine.begin() as connection:
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())


def close_one(login_as, make_user, make_engagement, make_plan_item, make_assignment):
    engagement = make_engagement(status=EngagementStatus.HANDOVER)
    make_assignment(plan_item=make_plan_item(engagement=engagement))
    browser = login_as(make_user(Role.CTO))
    response = browser.post(
        f"/engagements/{engagement.id}/close", {"justification": "Accepted", "confirm": "y"}
    )
    assert response.status_code == 302


def test_export_import_export_gives_the_same_file(
    app, db, tmp_path, login_as, make_user, make_engagement, make_plan_item, make_assignment
):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--password", PASSWORD]).exit_code == 0
    close_one(login_as, make_user, make_engagement, make_plan_item, make_assignment)
    first, second = tmp_path / "first.json", tmp_path / "second.json"

    result = runner.invoke(args=["export", "--out", str(first), "--with-secrets"])
    assert result.exit_code == 0, result.output
    data = json.loads(first.read_text())
    assert data["format_version"] == FORMAT_VERSION
    # the demo's closed engagement and the one closed here
    assert len(data["tables"]["handover_reports"]) == 2
    assert all(report["pdf"] for report in data["tables"]["handover_reports"])

    wipe()
    result = runner.invoke(args=["import", str(first)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["export", "--out", str(second), "--with-secrets"]).exit_code == 0
    assert first.read_text() == second.read_text()

    # the restored database works: sign in, and new rows get fresh ids
    user = db.session.scalar(sa.select(User).where(User.email == "helena.brandt@example.com"))
    browser = Browser(app.test_client())
    browser.login(user)
    assert browser.get("/engagements").status_code == 200
    report = db.session.scalar(sa.select(HandoverReport))
    download = browser.get(f"/engagements/{report.engagement_id}/report/final")
    assert download.headers["X-Content-SHA256"] == report.sha256
    newcomer = make_user(Role.STAFF)
    assert newcomer.id > max(row["id"] for row in data["tables"]["users"])


def test_password_hashes_stay_out_unless_asked_for(app, db, tmp_path, make_user):
    email = make_user(Role.ADMIN).email
    out = tmp_path / "plain.json"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["export", "--out", str(out)]).exit_code == 0
    (row,) = json.loads(out.read_text())["tables"]["users"]
    assert row["password_hash"] == WITHHELD
    wipe()
    result = runner.invoke(args=["import", str(out)])
    assert result.exit_code == 0
    assert "an admin sets new passwords" in result.output
    response = Browser(app.test_client()).post("/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 200  # no usable password until an admin sets one


def test_import_refuses_a_non_empty_database(app, db, tmp_path, make_user):
    make_user()
    out = tmp_path / "x.json"
    runner = app.test_cli_runner()
    runner.invoke(args=["export", "--out", str(out)])
    result = runner.invoke(args=["import", str(out)])
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_import_refuses_a_newer_format_and_junk(app, db, tmp_path):
    runner = app.test_cli_runner()
    newer = tmp_path / "newer.json"
    newer.write_text(
        json.dumps({"format": "knowtrans-export", "format_version": FORMAT_VERSION + 1})
    )
    result = runner.invoke(args=["import", str(newer)])
    assert result.exit_code != 0
    assert "newer knowtrans" in result.output
    junk = tmp_path / "junk.json"
    junk.write_text("not json at all")
    result = runner.invoke(args=["import", str(junk)])
    assert result.exit_code != 0
    assert "not a JSON export" in result.output
