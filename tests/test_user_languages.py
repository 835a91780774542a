"""A user's language and time zone, set by an admin on the user form; the user administration
in German."""

import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from flask_login import login_user

from knowtrans.audit.models import AuditEvent
from knowtrans.core.errors import Refused
from knowtrans.core.i18n import select_locale, select_timezone
from knowtrans.extensions import db as _db
from knowtrans.users import operations
from knowtrans.users.models import Role, User, UserKind
from tests.conftest import csrf_token_from

VERSION_RE = re.compile(r'name="version"[^>]*value="([^"]*)"')
NEW_PASSWORD = "a much longer passphrase"


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, name="Ada Admin", email="ada@example.com")


@pytest.fixture
def as_admin(login_as, admin):
    return login_as(admin)


@pytest.fixture
def german(app):
    """The compiled German catalogue (the install step builds it)."""
    with app.test_request_context(), force_locale("de"):
        assert gettext("Users") != "Users", "the German catalogue is not compiled"


def fresh(user: User) -> User:
    _db.session.expire_all()
    return _db.session.get(User, user.id)


def events(action: str) -> list[AuditEvent]:
    """The events of ``action``, oldest first (PostgreSQL returns rows in no set order)."""
    return list(
        _db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def html(response) -> str:
    return response.get_data(as_text=True)


def edit_data(as_admin, user, **overrides):
    page = html(as_admin.get(f"/admin/users/{user.id}/edit"))
    data = {
        "email": user.email,
        "name": user.name,
        "kind": user.kind.value,
        "roles": [role.value for role in user.roles],
        "language": user.language,
        "timezone": user.timezone or "",
        "version": VERSION_RE.search(page).group(1),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_form_offers_the_languages_and_zones(as_admin, make_user):
    user = make_user(Role.STAFF)
    page = html(as_admin.get(f"/admin/users/{user.id}/edit"))
    assert re.search(r'<option lang="en" selected value="en">English</option>', page)
    assert '<option lang="de" value="de">Deutsch</option>' in page
    assert '<option selected value="">Company default (Europe/Berlin)</option>' in page
    assert '<option value="Europe/Vienna">Europe/Vienna</option>' in page


def test_admin_sets_a_users_language_and_time_zone(as_admin, admin, make_user):
    user = make_user(Role.STAFF, name="Sam Staff", email="sam@example.com")
    version = user.version
    data = edit_data(as_admin, user, language="de", timezone="Europe/Vienna")
    response = as_admin.post(f"/admin/users/{user.id}/edit", data)
    assert response.status_code == 302
    user = fresh(user)
    assert (user.language, user.timezone) == ("de", "Europe/Vienna")
    assert user.version == version + 1, "a new version: an older edit form is a conflict"
    [event] = events("user.update")
    assert event.actor_id == admin.id
    assert event.summary == (
        "Updated sam@example.com: language en → de; time zone company default → Europe/Vienna"
    )
    listing = html(as_admin.get("/admin/users"))
    assert '<span lang="de">Deutsch</span>' in listing
    page = html(as_admin.get(f"/admin/users/{user.id}/edit"))
    assert '<option lang="de" selected value="de">Deutsch</option>' in page
    assert '<option selected value="Europe/Vienna">Europe/Vienna</option>' in page


def test_back_to_the_company_default_zone(as_admin, make_user):
    user = make_user(Role.STAFF, email="sam@example.com")
    user.timezone = "America/New_York"
    _db.session.commit()
    response = as_admin.post(f"/admin/users/{user.id}/edit", edit_data(as_admin, user, timezone=""))
    assert response.status_code == 302
    assert fresh(user).timezone is None
    [event] = events("user.update")
    assert "time zone America/New_York → company default" in event.summary


def test_a_form_without_the_fields_leaves_them_alone(as_admin, make_user):
    user = make_user(Role.STAFF, name="Sam Staff")
    user.language, user.timezone = "de", "Europe/Vienna"
    _db.session.commit()
    data = edit_data(as_admin, user, name="Samuel Staff", language=None, timezone=None)
    assert "language" not in data
    assert "timezone" not in data
    assert as_admin.post(f"/admin/users/{user.id}/edit", data).status_code == 302
    user = fresh(user)
    assert (user.name, user.language, user.timezone) == ("Samuel Staff", "de", "Europe/Vienna")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"language": "fr"}, "Choose one of the languages offered."),
        ({"language": ""}, "Choose one of the languages offered."),
        ({"timezone": "Mars/Olympus_Mons"}, "Choose a time zone from the list"),
        ({"timezone": "europe/berlin"}, "Choose a time zone from the list"),
        ({"timezone": "EST5EDT\x00"}, "Choose a time zone from the list"),
    ],
)
def test_a_bad_language_or_zone_is_refused_at_its_field(as_admin, make_user, overrides, message):
    user = make_user(Role.STAFF, name="Sam Staff")
    version = user.version
    response = as_admin.post(
        f"/admin/users/{user.id}/edit", edit_data(as_admin, user, name="Samuel", **overrides)
    )
    assert response.status_code == 200
    page = html(response).replace("&#39;", "'")
    [field] = overrides
    assert re.search(rf'<p class="error" id="{field}-error">{re.escape(message)}', page)
    user = fresh(user)
    assert (user.name, user.language, user.timezone, user.version) == (
        "Sam Staff",
        "en",
        None,
        version,
    )
    assert events("user.update") == []


def test_create_a_user_speaking_german(as_admin):
    page = html(as_admin.get("/admin/users/new"))
    response = as_admin.client.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf_token_from(page),
            "email": "grace@example.com",
            "name": "Grace Hopper",
            "kind": "internal",
            "roles": ["staff"],
            "language": "de",
            "timezone": "Europe/Zurich",
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    user = _db.session.scalar(sa.select(User).where(User.email == "grace@example.com"))
    assert (user.language, user.timezone) == ("de", "Europe/Zurich")


def test_create_refuses_an_unknown_language(as_admin):
    page = html(as_admin.get("/admin/users/new"))
    response = as_admin.client.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf_token_from(page),
            "email": "grace@example.com",
            "name": "Grace Hopper",
            "kind": "internal",
            "roles": ["staff"],
            "language": "xx",
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "Choose one of the languages offered." in html(response)
    assert _db.session.scalar(sa.select(User).where(User.email == "grace@example.com")) is None


def test_the_operations_refuse_what_the_form_would(app, db, admin, make_user):
    user = make_user(Role.STAFF)
    values = {
        "email": user.email,
        "name": user.name,
        "roles": user.roles,
        "kind": user.kind,
        "version": user.version,
        "actor": admin,
    }
    for bad, field in (
        ({"language": "klingon"}, "language"),
        ({"timezone": "Nowhere"}, "timezone"),
    ):
        with pytest.raises(Refused) as refusal:
            operations.update_user(user, **values, **bad)
        assert refusal.value.field == field
        _db.session.rollback()
    with pytest.raises(Refused) as refusal:
        operations.create_user(
            email="new@example.com",
            name="New",
            password=NEW_PASSWORD,
            roles={Role.STAFF},
            timezone="Nowhere",
        )
    assert refusal.value.field == "timezone"
    _db.session.rollback()
    assert (fresh(user).language, fresh(user).timezone) == ("en", None)


def test_a_language_set_by_the_admin_is_the_users_language(app, admin, as_admin, make_user):
    user = make_user(Role.ADMIN, name="Bea Admin")
    data = edit_data(as_admin, user, language="de", timezone="Europe/Vienna")
    assert as_admin.post(f"/admin/users/{user.id}/edit", data).status_code == 302
    with app.test_request_context():
        login_user(fresh(user))
        assert select_locale() == "de"
        assert select_timezone() == "Europe/Vienna"
    with app.test_request_context():
        login_user(fresh(admin))
        assert select_locale() == "en", "the admin who set it keeps their own"


def test_a_german_speaking_user_gets_the_user_administration_in_german(
    german, as_admin, login_as, make_user
):
    bea = make_user(Role.ADMIN, name="Bea Admin", email="bea@example.com")
    make_user(Role.IT_LEAD, Role.CTO, name="Ivo Lead", kind=UserKind.INTERNAL)
    make_user(Role.EXPERT, name="Eve Expert")
    data = edit_data(as_admin, bea, language="de")
    assert as_admin.post(f"/admin/users/{bea.id}/edit", data).status_code == 302
    assert "<h1>Users</h1>" in html(as_admin.get("/admin/users")), "the admin's own stays"

    as_bea = login_as(bea)
    page = html(as_bea.get("/admin/users"))
    assert "<h1>Benutzer</h1>" in page
    assert "CTO, IT-Leitung" in page
    assert "Externe Fachkraft" in page
    assert "Interne Mitarbeitende" in page
    assert "4 Benutzer." in page
    assert "Filter zurücksetzen" in html(as_bea.get("/admin/users?role=expert"))


def test_german_messages_of_the_operations(german, as_admin, login_as, make_user):
    bea = make_user(Role.ADMIN, name="Bea Admin", email="bea@example.com")
    sam = make_user(Role.STAFF, name="Sam Staff", email="sam@example.com")
    data = edit_data(as_admin, bea, language="de")
    assert as_admin.post(f"/admin/users/{bea.id}/edit", data).status_code == 302
    as_bea = login_as(bea)

    response = as_bea.post(f"/admin/users/{sam.id}/edit", edit_data(as_bea, sam, kind="external"))
    assert response.status_code == 200
    assert "Eine externe Fachkraft kann die Rolle „Mitarbeitende“ nicht haben" in html(response)

    response = as_bea.post(f"/admin/users/{sam.id}/edit", edit_data(as_bea, sam, timezone="x"))
    assert "Wählen Sie eine Zeitzone aus der Liste" in html(response)

    response = as_bea.post(f"/admin/users/{sam.id}/edit", edit_data(as_bea, sam, name="Samuel"))
    assert response.status_code == 302
    assert "Samuel (sam@example.com) gespeichert." in html(as_bea.get(response.headers["Location"]))
    # the audit trail is written in the language of the person who made the change
    assert events("user.update")[-1].summary == "sam@example.com geändert: Name Sam Staff → Samuel"


def test_labels_in_german(german, app):
    with app.test_request_context(), force_locale("de"):
        assert [role.label for role in Role] == [
            "Administration",
            "CTO",
            "IT-Leitung",
            "Mitarbeitende",
            "Experte",
        ]
        assert UserKind.EXTERNAL.label == "Externe Fachkraft"
        assert operations.password_problem("short") == (
            "Zu kurz: Ein Passwort braucht mindestens 12 Zeichen; Leerzeichen am Anfang und "
            "Ende sowie wiederholte Leerzeichen zählen nicht. Erst die Länge macht es schwer "
            "zu erraten; einige Wörter ohne Zusammenhang eignen sich gut."
        )
    with app.test_request_context(), force_locale("en"):
        assert Role.IT_LEAD.label == "IT lead"


def test_a_language_set_meanwhile_is_a_conflict(as_admin, login_as, make_user):
    user = make_user(Role.STAFF, name="Sam Staff", email="sam@example.com")
    as_bea = login_as(make_user(Role.ADMIN, name="Bea Admin"))
    mine = edit_data(as_admin, user, name="Samuel Staff")
    theirs = edit_data(as_bea, user, language="de", timezone="Europe/Vienna")
    assert as_bea.post(f"/admin/users/{user.id}/edit", theirs).status_code == 302

    response = as_admin.post(f"/admin/users/{user.id}/edit", mine)

    assert response.status_code == 200
    page = html(response)
    assert "Bea Admin saved this user on" in page
    assert "<dt>Language</dt><dd>Deutsch</dd>" in page
    assert "<dt>Time zone</dt><dd>Europe/Vienna</dd>" in page
    user = fresh(user)
    assert (user.name, user.language) == ("Sam Staff", "de")
