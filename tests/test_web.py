"""App-wide behaviour: ids beyond the database's range, error pages."""

import pytest

from knowtrans.auth.models import Role

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
