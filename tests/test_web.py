"""App-wide behaviour: ids beyond the database's range, error pages."""

import pytest

from knowtrans.users.models import Role

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "url",
    [
        f"/admin/users/{HUGE}/edit",
        f"/skills/{HUGE}/edit",
        f"/assignments/{HUGE}",
        f"/assignments/{HUGE}/confirm",
        f"/entries/{HUGE}/edit",
        f"/engagements/{HUGE}",
        f"/plan-items/{HUGE}/edit",
        "/engagements/2147483648",
    ],
)
def test_ids_beyond_the_database_range_are_not_found(login_as, make_user, url):
    browser = login_as(make_user(Role.ADMIN, Role.CTO, Role.IT_LEAD, Role.STAFF))
    assert browser.get(url).status_code == 404


def test_error_pages_use_the_app_layout(login_as, make_user):
    response = login_as(make_user(Role.STAFF)).get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Not found" in html
    assert 'class="site-header"' in html


def test_health_check_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_health_check_is_503_when_the_database_does_not_answer(client, monkeypatch):
    import sqlalchemy as sa

    from knowtrans.extensions import db

    def down(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "down"


def test_a_page_number_past_the_end_goes_to_the_last_page(
    login_as, make_user, make_assignment, make_entry
):
    """A stale or mistyped ?page= lands on the last page, filters kept, not on "nothing yet"."""
    learner = make_user(Role.STAFF, Role.CTO, Role.IT_LEAD)
    assignment = make_assignment(learner=learner)
    make_entry(assignment=assignment)
    browser = login_as(learner)
    for url, last in (
        ("/engagements?status=active&page=999", "/engagements?status=active&page=1"),
        ("/my/assignments?page=5", "/my/assignments?page=1"),
        ("/reports?page=50", "/reports?page=1"),
        (f"/assignments/{assignment.id}?page=99", f"/assignments/{assignment.id}?page=1"),
        ("/skills?page=9", "/skills?page=1"),
    ):
        response = browser.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == last
    assert browser.get("/engagements?page=1").status_code == 200


def test_past_the_end_keeps_no_hostile_arguments(login_as, make_user, make_assignment):
    learner = make_user(Role.STAFF)
    assignment = make_assignment(learner=learner)
    browser = login_as(learner)
    url = (
        f"/assignments/{assignment.id}?page=99&assignment_id=1&_external=1"
        "&_scheme=javascript&_anchor=x"
    )
    response = browser.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/assignments/{assignment.id}?page=1"
