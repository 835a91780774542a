"""User administration: list, create, edit, password, (de)activation, and the CLI."""

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from knowtrans import permissions
from knowtrans.audit.models import AuditEvent
from knowtrans.core.concurrency import EditConflict
from knowtrans.core.errors import Refused
from knowtrans.extensions import db as _db
from knowtrans.users import operations
from knowtrans.users.cli import create_user_command
from knowtrans.users.models import Role, User, UserKind
from knowtrans.users.passwords import verify_password
from tests.conftest import PASSWORD, commit_elsewhere, csrf_token_from, row_count

NEW_PASSWORD = "a much longer passphrase"
VERSION_RE = re.compile(r'name="version"[^>]*value="([^"]*)"')


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, name="Ada Admin", email="ada@example.com")


@pytest.fixture
def as_admin(login_as, admin):
    return login_as(admin)


def fresh(user: User) -> User:
    _db.session.expire_all()
    return _db.session.get(User, user.id)


def events(action: str) -> list[AuditEvent]:
    return list(_db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def user_by_email(email: str) -> User | None:
    return _db.session.scalar(sa.select(User).where(User.email == email))


def html(response) -> str:
    return response.get_data(as_text=True)


def post_as_outsider(browser, url, data):
    """POST with a valid CSRF token taken from the 403 page (its sign-out form)."""
    token = csrf_token_from(html(browser.get(url)))
    return browser.client.post(url, data={"csrf_token": token, **data})


def new_user_data(**overrides):
    data = {
        "email": "Grace.Hopper@Example.com",
        "name": "Grace Hopper",
        "kind": "internal",
        "roles": ["staff"],
        "password": NEW_PASSWORD,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_data(as_admin, user, **overrides):
    page = html(as_admin.get(f"/admin/users/{user.id}/edit"))
    data = {
        "email": user.email,
        "name": user.name,
        "kind": user.kind.value,
        "roles": [role.value for role in user.roles],
        "version": VERSION_RE.search(page).group(1),
    }
    data.update(overrides)
    return data


# --- access ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.CTO, Role.IT_LEAD, Role.STAFF, Role.EXPERT])
def test_other_roles_get_403_and_change_nothing(login_as, make_user, admin, role):
    victim = make_user(Role.STAFF, name="Victim", email="victim@example.com")
    browser = login_as(make_user(role))
    users_before = row_count(User)
    for url in (
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{victim.id}/edit",
        f"/admin/users/{victim.id}/password",
    ):
        assert browser.get(url).status_code == 403, url

    for url, data in (
        ("/admin/users/new", new_user_data()),
        (
            f"/admin/users/{victim.id}/edit",
            {"email": "x@example.com", "name": "X", "kind": "internal", "roles": ["admin"]},
        ),
        (f"/admin/users/{victim.id}/password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
        (f"/admin/users/{victim.id}/active", {"active": "0"}),
    ):
        assert post_as_outsider(browser, url, data).status_code == 403, url

    victim = fresh(victim)
    assert row_count(User) == users_before
    assert (victim.email, victim.name, victim.roles, victim.active) == (
        "victim@example.com",
        "Victim",
        {Role.STAFF},
        True,
    )
    assert verify_password(victim.password_hash, PASSWORD)
    assert row_count(AuditEvent) == 0


def test_admin_sees_users_link_and_others_do_not(login_as, make_user, as_admin):
    assert 'href="/admin/users"' in html(as_admin.get("/admin/users"))
    cto = login_as(make_user(Role.CTO))
    assert 'href="/admin/users"' not in html(cto.get("/skills"))


# --- list ------------------------------------------------------------------------------------


def test_list_shows_kind_roles_and_status_as_text(as_admin, make_user):
    make_user(Role.EXPERT, name="Eve Expert", email="eve@example.com")
    make_user(Role.CTO, Role.IT_LEAD, name="Carl Chief", active=False)
    page = html(as_admin.get("/admin/users"))
    assert "Eve Expert" in page
    assert "External expert" in page
    assert "Internal staff" in page
    assert "CTO, IT lead" in page
    assert "Inactive" in page
    assert page.count("<h1") == 1
    assert 'class="error"' not in page  # no filter chosen is not a bad filter


def test_bad_filter_values_are_shown_and_ignored(as_admin, make_user):
    make_user(Role.STAFF, name="Sam Staff")
    page = html(as_admin.get("/admin/users?role=root&active=maybe"))
    assert page.count("Not a valid choice.") == 2
    assert "Sam Staff" in page


def test_search_by_name_or_email_case_insensitive(as_admin, make_user):
    make_user(Role.STAFF, name="Linus Learner", email="linus@example.com")
    make_user(Role.STAFF, name="Margaret", email="mhamilton@nasa.example.com")
    page = html(as_admin.get("/admin/users?q=LINUS"))
    assert "Linus Learner" in page
    assert "Margaret" not in page
    page = html(as_admin.get("/admin/users?q=NASA"))
    assert "Margaret" in page
    assert "Linus Learner" not in page
    page = html(as_admin.get("/admin/users?q=%25"))  # a literal %, not a wildcard
    assert "No user matches these filters" in page


def test_filter_by_role_and_active(as_admin, make_user):
    make_user(Role.EXPERT, name="Eve Expert")
    make_user(Role.STAFF, name="Sam Staff")
    make_user(Role.STAFF, name="Gone Staff", active=False)
    page = html(as_admin.get("/admin/users?role=expert"))
    assert "Eve Expert" in page
    assert "Sam Staff" not in page
    page = html(as_admin.get("/admin/users?role=staff&active=0"))
    assert "Gone Staff" in page
    assert "Sam Staff" not in page
    page = html(as_admin.get("/admin/users?active=1"))
    assert "Sam Staff" in page
    assert "Gone Staff" not in page


def test_pagination_keeps_filters(as_admin, make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for n in range(5):
        make_user(Role.STAFF, name=f"Learner {n}")
    make_user(Role.EXPERT, name="Eve Expert")
    first = html(as_admin.get("/admin/users?role=staff"))
    assert "Page 1 of 3" in first
    assert "Learner 0" in first
    assert "Learner 2" not in first
    assert "page=2" in first
    assert "role=staff" in first
    third = html(as_admin.get("/admin/users?role=staff&page=3"))
    assert "Learner 4" in third
    assert "Eve Expert" not in third


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "page=-3",
        "page=99999999999999999999999999",
        "page=1e9",
        "role=root",
        "active=maybe",
        "q=%00",
        "q=" + "x" * 500,
    ],
)
def test_odd_query_strings_never_fail(as_admin, query):
    response = as_admin.get(f"/admin/users?{query}")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert as_admin.get(response.headers["Location"]).status_code == 200


def test_page_beyond_the_end_goes_to_the_last_page(as_admin, make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    make_user(Role.STAFF)
    response = as_admin.get("/admin/users?page=50&active=1")
    assert response.status_code == 302
    assert "page=2" in response.headers["Location"]
    assert "active=1" in response.headers["Location"]


def test_list_query_count_does_not_grow_with_users(as_admin, make_user, count_queries):
    make_user(Role.STAFF)
    with count_queries() as few:
        as_admin.get("/admin/users")
    for _ in range(15):
        make_user(Role.STAFF, Role.EXPERT)
    with count_queries() as many:
        as_admin.get("/admin/users")
    assert len(many) == len(few)


# --- create ----------------------------------------------------------------------------------


def test_create_user(as_admin, admin, client):
    form = html(as_admin.get("/admin/users/new"))
    assert "At least 12 characters" in form
    assert 'type="checkbox"' in form
    response = as_admin.post(
        "/admin/users/new", new_user_data(roles=["staff", "cto"]), form_url="/admin/users/new"
    )
    assert response.status_code == 302
    user = user_by_email("grace.hopper@example.com")
    assert user.name == "Grace Hopper"
    assert user.kind is UserKind.INTERNAL
    assert user.roles == {Role.STAFF, Role.CTO}
    assert user.active
    assert verify_password(user.password_hash, NEW_PASSWORD)
    [event] = events("user.create")
    assert event.actor_id == admin.id
    assert event.object_id == user.id
    assert "Created Grace Hopper" in html(as_admin.get("/admin/users"))


def test_create_external_expert(as_admin):
    response = as_admin.post(
        "/admin/users/new",
        new_user_data(email="eve@example.com", kind="external", roles=["expert"]),
        form_url="/admin/users/new",
    )
    assert response.status_code == 302
    user = user_by_email("eve@example.com")
    assert user.kind is UserKind.EXTERNAL
    assert user.roles == {Role.EXPERT}


def test_created_user_can_sign_in(as_admin, browser):
    as_admin.post("/admin/users/new", new_user_data(), form_url="/admin/users/new")
    assert browser.login("grace.hopper@example.com", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": ""}, "Enter the email address."),
        ({"email": "not-an-email"}, "This is not a valid email address."),
        ({"email": "grace@"}, "This is not a valid email address."),
        ({"email": "gr\x00ace@example.com"}, "Contains characters that are not allowed."),
        ({"email": "a" * 250 + "@example.com"}, "Field cannot be longer than 254 characters."),
        ({"name": ""}, "Enter the display name."),
        ({"name": "   "}, "Enter the display name."),
        ({"name": "N" * 121}, "Field cannot be longer than 120 characters."),
        ({"name": "Grace\x00Hopper"}, "Contains characters that are not allowed."),
        ({"kind": None}, "Choose internal staff or external expert."),
        ({"kind": "robot"}, "Not a valid choice."),
        ({"roles": None}, "Choose at least one role."),
        ({"roles": ["root"]}, "is not a valid choice"),
        ({"kind": "external", "roles": ["staff"]}, "cannot hold the Staff role"),
        ({"password": ""}, "Set an initial password."),
        ({"password": "elevenchars"}, "at least 12 characters"),
        ({"password": "p" * 257}, "at most 256 characters"),
        ({"password": " " * 12}, "at least 12 characters"),
        ({"password": "  elevenchars  "}, "at least 12 characters"),
        ({"password": "password1234"}, "Too common"),
        ({"password": "Grace.Hopper@Example.com"}, "Too close to the email address or the name"),
        ({"password": "gracehopper1906"}, "Too close to the email address or the name"),
    ],
)
def test_create_rejects_bad_input(as_admin, overrides, message):
    users_before = row_count(User)
    response = as_admin.post(
        "/admin/users/new", new_user_data(**overrides), form_url="/admin/users/new"
    )
    assert response.status_code == 200
    page = html(response)
    assert message in page.replace("&#39;", "'")
    assert 'class="error"' in page
    assert row_count(User) == users_before
    assert row_count(AuditEvent) == 0


def test_create_compares_the_password_with_the_email_typed_now(as_admin):
    response = as_admin.post(
        "/admin/users/new",
        new_user_data(
            email="ada.lovelace@example.com", name="Ada", password="ada.lovelace@example.com"
        ),
        form_url="/admin/users/new",
    )
    assert "Too close to the email address" in html(response)
    assert user_by_email("ada.lovelace@example.com") is None


def test_create_shows_the_operations_password_refusal_at_the_field(as_admin, monkeypatch):
    """The operation enforces the password rule even where a form would not."""
    monkeypatch.setattr("knowtrans.users.forms.password_problem", lambda *a, **k: None)
    response = as_admin.post(
        "/admin/users/new", new_user_data(password=" " * 12), form_url="/admin/users/new"
    )
    assert response.status_code == 200
    page = html(response)
    assert "at least 12 characters" in page
    assert 'value="Grace.Hopper@Example.com"' in page
    assert row_count(User) == 1
    assert row_count(AuditEvent) == 0


def test_create_keeps_what_was_typed(as_admin):
    response = as_admin.post(
        "/admin/users/new",
        new_user_data(password="short", kind="external", roles=["expert", "cto"]),
        form_url="/admin/users/new",
    )
    page = html(response)
    assert 'value="Grace.Hopper@Example.com"' in page
    assert 'value="Grace Hopper"' in page
    assert re.search(r'value="external"[^>]*checked|checked[^>]*value="external"', page)
    assert re.search(r'checked[^>]*value="expert"|value="expert"[^>]*checked', page)
    assert not re.search(r'checked[^>]*value="staff"|value="staff"[^>]*checked', page)


def test_create_rejects_duplicate_email_case_insensitively(as_admin, make_user):
    make_user(Role.STAFF, email="grace.hopper@example.com")
    users_before = row_count(User)
    response = as_admin.post("/admin/users/new", new_user_data(), form_url="/admin/users/new")
    assert response.status_code == 200
    assert "A user with this email exists already." in html(response)
    assert row_count(User) == users_before


def test_create_survives_a_race_on_the_unique_email(as_admin, make_user, monkeypatch):
    """Another request took the email between the check and the insert."""
    make_user(Role.STAFF, email="grace.hopper@example.com")
    monkeypatch.setattr("knowtrans.users.forms.email_taken", lambda *a, **k: False)
    users_before = row_count(User)
    response = as_admin.post("/admin/users/new", new_user_data(), form_url="/admin/users/new")
    assert response.status_code == 200
    assert "A user with this email exists already." in html(response)
    assert row_count(User) == users_before
    assert row_count(AuditEvent) == 0


def test_create_needs_csrf(as_admin):
    response = as_admin.client.post("/admin/users/new", data=new_user_data())
    assert response.status_code == 400
    assert user_by_email("grace.hopper@example.com") is None


# --- edit ------------------------------------------------------------------------------------


def test_edit_user(as_admin, admin, make_user):
    user = make_user(Role.STAFF, name="Sam Staff", email="sam@example.com")
    data = edit_data(
        as_admin, user, email="Samuel@Example.com", name="Samuel Staff", roles=["staff", "it_lead"]
    )
    response = as_admin.post(f"/admin/users/{user.id}/edit", data)
    assert response.status_code == 302
    user = fresh(user)
    assert (user.email, user.name, user.roles) == (
        "samuel@example.com",
        "Samuel Staff",
        {Role.STAFF, Role.IT_LEAD},
    )
    [event] = events("user.update")
    assert event.actor_id == admin.id
    assert "roles staff → it_lead, staff" in event.summary
    assert "email sam@example.com → samuel@example.com" in event.summary


def test_a_save_without_changes_says_so_and_records_nothing(as_admin, make_user):
    user = make_user(Role.STAFF, name="Sam Staff", email="sam@example.com")
    version = user.version
    response = as_admin.post(f"/admin/users/{user.id}/edit", edit_data(as_admin, user))
    assert response.status_code == 302
    page = html(as_admin.get(response.headers["Location"]))
    assert "Nothing was changed on Sam Staff (sam@example.com)." in page
    assert fresh(user).version == version
    assert events("user.update") == events("user.roles") == []


def test_edit_form_shows_current_values(as_admin, make_user):
    user = make_user(Role.EXPERT, name="Eve Expert", email="eve@example.com")
    page = html(as_admin.get(f"/admin/users/{user.id}/edit"))
    assert 'value="eve@example.com"' in page
    assert re.search(r'checked[^>]*value="expert"|value="expert"[^>]*checked', page)
    assert re.search(r'checked[^>]*value="external"|value="external"[^>]*checked', page)


def test_edit_keeps_own_email_in_other_case(as_admin, make_user):
    user = make_user(Role.STAFF, email="sam@example.com")
    response = as_admin.post(
        f"/admin/users/{user.id}/edit", edit_data(as_admin, user, email="SAM@example.com")
    )
    assert response.status_code == 302
    assert fresh(user).email == "sam@example.com"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "taken@EXAMPLE.com"}, "A user with this email exists already."),
        ({"email": "nope"}, "This is not a valid email address."),
        ({"name": ""}, "Enter the display name."),
        ({"name": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"roles": []}, "Choose at least one role."),
        ({"kind": "external"}, "cannot hold the Staff role"),
        ({"kind": "sideways"}, "Not a valid choice."),
    ],
)
def test_edit_rejects_bad_input(as_admin, make_user, overrides, message):
    make_user(Role.CTO, email="taken@example.com")
    user = make_user(Role.STAFF, name="Sam Staff", email="sam@example.com")
    response = as_admin.post(f"/admin/users/{user.id}/edit", edit_data(as_admin, user, **overrides))
    assert response.status_code == 200
    assert message in html(response)
    user = fresh(user)
    assert (user.email, user.name, user.kind, user.roles) == (
        "sam@example.com",
        "Sam Staff",
        UserKind.INTERNAL,
        {Role.STAFF},
    )
    assert events("user.update") == []


def test_admin_cannot_remove_own_admin_role(as_admin, admin):
    response = as_admin.post(
        f"/admin/users/{admin.id}/edit", edit_data(as_admin, admin, roles=["cto"])
    )
    assert response.status_code == 200
    assert "You cannot remove your own Admin role" in html(response)
    assert fresh(admin).roles == {Role.ADMIN}


def test_admin_may_edit_own_name_and_add_roles(as_admin, admin):
    response = as_admin.post(
        f"/admin/users/{admin.id}/edit",
        edit_data(as_admin, admin, name="Ada Lovelace", roles=["admin", "cto"]),
    )
    assert response.status_code == 302
    assert fresh(admin).roles == {Role.ADMIN, Role.CTO}


def test_admin_may_remove_another_admins_role(as_admin, make_user):
    other = make_user(Role.ADMIN, Role.CTO)
    response = as_admin.post(
        f"/admin/users/{other.id}/edit", edit_data(as_admin, other, roles=["cto"])
    )
    assert response.status_code == 302
    assert fresh(other).roles == {Role.CTO}


def test_edit_does_not_silently_overwrite_a_concurrent_change(as_admin, make_user):
    user = make_user(Role.STAFF, name="Sam Staff", email="sam@example.com")
    stale = edit_data(as_admin, user, name="Mine")
    user.name = "Theirs"
    _db.session.commit()

    response = as_admin.post(f"/admin/users/{user.id}/edit", stale)
    assert response.status_code == 200
    page = html(response)
    assert "Someone else saved this user while you were editing." in page
    assert 'value="Mine"' in page  # what the admin typed, kept
    assert "<dd>Theirs</dd>" in page  # the saved version
    assert fresh(user).name == "Theirs"
    assert events("user.update") == []

    again = dict(stale, version=VERSION_RE.search(page).group(1))
    assert as_admin.post(f"/admin/users/{user.id}/edit", again).status_code == 302
    assert fresh(user).name == "Mine"


def test_two_admins_editing_a_user(as_admin, admin, login_as, make_user):
    """A change of the roles alone is a new version of the user too."""
    user = make_user(Role.STAFF, name="Sam Staff", email="sam@example.com")
    bea = make_user(Role.ADMIN, name="Bea Admin")
    as_bea = login_as(bea)
    mine = edit_data(as_admin, user, name="Samuel Staff")
    theirs = edit_data(as_bea, user, roles=["staff", "it_lead"])
    assert as_bea.post(f"/admin/users/{user.id}/edit", theirs).status_code == 302

    response = as_admin.post(f"/admin/users/{user.id}/edit", mine)

    assert response.status_code == 200
    page = html(response)
    assert "Bea Admin saved this user on" in page
    assert "What changed: Roles of sam@example.com: staff → it_lead, staff." in page
    assert 'value="Samuel Staff"' in page  # what the admin typed, kept
    assert "<dd>IT lead, Staff</dd>" in page  # the saved roles
    saved = fresh(user)
    assert (saved.name, saved.roles, saved.version) == ("Sam Staff", {Role.STAFF, Role.IT_LEAD}, 2)

    again = dict(mine, version=VERSION_RE.search(page).group(1))
    assert as_admin.post(f"/admin/users/{user.id}/edit", again).status_code == 302
    saved = fresh(user)
    assert (saved.name, saved.roles, saved.version) == ("Samuel Staff", {Role.STAFF}, 3)
    assert sorted(event.actor_id for event in events("user.update")) == sorted([bea.id, admin.id])


def test_the_users_own_account_activity_is_no_conflict(as_admin, make_user, login_as):
    """Signing in (with a hash brought up to date) and out, a new password, a password reset
    and (de)activation do not move the version: the admin's open form still saves."""
    from werkzeug.security import generate_password_hash

    user = make_user(Role.STAFF, name="Sam Staff", email="sam@example.com")
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    _db.session.commit()
    stale = edit_data(as_admin, user, name="Samuel Staff")
    opened = fresh(user).version

    as_sam = login_as(user)  # rehashes the password
    response = as_sam.post(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    as_sam.logout()
    as_admin.post(f"/admin/users/{user.id}/password", {"password": PASSWORD, "confirm": PASSWORD})
    for active in ("0", "1"):
        as_admin.post(f"/admin/users/{user.id}/active", {"active": active}, form_url="/admin/users")
    saved = fresh(user)
    assert saved.session_version > 1
    assert verify_password(saved.password_hash, PASSWORD)
    assert saved.version == opened

    assert as_admin.post(f"/admin/users/{user.id}/edit", stale).status_code == 302
    assert fresh(user).name == "Samuel Staff"


def test_edit_survives_a_race_on_the_unique_email(as_admin, make_user, monkeypatch):
    make_user(Role.STAFF, email="taken@example.com")
    user = make_user(Role.STAFF, email="sam@example.com")
    data = edit_data(as_admin, user, email="taken@example.com")
    monkeypatch.setattr("knowtrans.users.forms.email_taken", lambda *a, **k: False)
    response = as_admin.post(f"/admin/users/{user.id}/edit", data)
    assert response.status_code == 200
    assert "A user with this email exists already." in html(response)
    assert fresh(user).email == "sam@example.com"


def test_unknown_user_is_404(as_admin):
    for url in ("/admin/users/999999/edit", "/admin/users/999999/password"):
        assert as_admin.get(url).status_code == 404
    response = as_admin.post("/admin/users/999999/active", {"active": "0"}, form_url="/admin/users")
    assert response.status_code == 404


# --- password --------------------------------------------------------------------------------


def test_reset_password(as_admin, admin, make_user, browser):
    user = make_user(Role.STAFF, email="sam@example.com")
    response = as_admin.post(
        f"/admin/users/{user.id}/password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert verify_password(fresh(user).password_hash, NEW_PASSWORD)
    [event] = events("user.password_reset")
    assert event.actor_id == admin.id
    assert NEW_PASSWORD not in event.summary
    assert (
        browser.post("/login", {"email": "sam@example.com", "password": PASSWORD}).status_code
        == 200
    )
    assert browser.login("sam@example.com", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"}, "The two passwords are not"),
        ({"password": "short pass", "confirm": "short pass"}, "at least 12 characters"),
        ({"password": "", "confirm": ""}, "Enter the new password."),
        ({"password": NEW_PASSWORD, "confirm": ""}, "Repeat the new password."),
        ({"password": "x" * 300, "confirm": "x" * 300}, "at most 256 characters"),
        ({"password": " " * 12, "confirm": " " * 12}, "at least 12 characters"),
        ({"password": "password1234", "confirm": "password1234"}, "Too common"),
        (
            {"password": "sam.sample@example.com", "confirm": "sam.sample@example.com"},
            "Too close to the email address or the name",
        ),
        ({"password": "Sam Sample 1970", "confirm": "Sam Sample 1970"}, "Too close to the email"),
    ],
)
def test_reset_password_rejects_bad_input(as_admin, make_user, data, message):
    user = make_user(Role.STAFF, email="sam.sample@example.com", name="Sam Sample")
    response = as_admin.post(f"/admin/users/{user.id}/password", data)
    assert response.status_code == 200
    assert message in html(response)
    assert verify_password(fresh(user).password_hash, PASSWORD)
    assert events("user.password_reset") == []


def test_reset_shows_the_operations_password_refusal_at_the_field(as_admin, make_user, monkeypatch):
    user = make_user(Role.STAFF)
    monkeypatch.setattr("knowtrans.users.forms.password_problem", lambda *a, **k: None)
    response = as_admin.post(
        f"/admin/users/{user.id}/password", {"password": " " * 12, "confirm": " " * 12}
    )
    assert response.status_code == 200
    assert "at least 12 characters" in html(response)
    assert verify_password(fresh(user).password_hash, PASSWORD)
    assert events("user.password_reset") == []


# --- the password rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("a much longer passphrase", False),
        ("x" * 12, False),
        ("p" * 256, False),
        ("p" * 257, True),
        (" " * 12, True),
        ("\t\n " * 6, True),
        ("x" * 11, True),
        ("  " + "x" * 11 + "  ", True),
        ("a" + " " * 11 + "b", True),
        ("abc" + "\u200b" * 12, True),  # invisible characters do not count
        ("password1234", True),
        ("Password1234", True),
        ("qwertyuiop12", True),
        ("password 1234", True),
        ("mia.meyer@example.com", True),
        ("MIA.MEYER@EXAMPLE.COM", True),
        ("mia.meyer@example.com and more", True),
        ("miameyer1990", True),
        ("Mia Meyer 1990", True),
        ("mia likes green tea at noon", False),
    ],
)
def test_password_rule(app, db, password, refused):
    problem = operations.password_problem(password, email="Mia.Meyer@example.com", name="Mia Meyer")
    assert (problem is not None) is refused, problem


def test_a_short_local_part_is_no_reason_to_refuse(app, db):
    assert operations.password_problem("jo walks to the harbour", email="jo@example.com") is None
    assert operations.password_problem("jo@example.com rocks!", email="jo@example.com")


def test_operations_refuse_a_password_the_rule_refuses(app, db, make_user):
    """No path can set a password around the rule: the operations check it themselves."""
    user = make_user(Role.STAFF, email="mia.meyer@example.com")
    for password in (" " * 12, "password1234", "mia.meyer@example.com"):
        with pytest.raises(operations.PasswordRefused):
            operations.set_password(user, password, actor=None)
        with pytest.raises(operations.PasswordRefused):
            operations.create_user(
                email="new@example.com", name="New", password=password.replace("mia.meyer", "new"),
                roles=[Role.STAFF],
            )  # fmt: skip
    _db.session.rollback()
    assert verify_password(fresh(user).password_hash, PASSWORD)
    assert user_by_email("new@example.com") is None


# --- (de)activation --------------------------------------------------------------------------


def test_deactivate_and_reactivate(as_admin, admin, make_user, browser):
    user = make_user(Role.STAFF, email="sam@example.com")
    response = as_admin.post(
        f"/admin/users/{user.id}/active",
        {"active": "0", "next": "/admin/users?role=staff"},
        form_url="/admin/users",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users?role=staff"
    assert fresh(user).active is False
    assert events("user.deactivate")[0].actor_id == admin.id
    assert (
        browser.post("/login", {"email": "sam@example.com", "password": PASSWORD}).status_code
        == 200
    )

    response = as_admin.post(
        f"/admin/users/{user.id}/active", {"active": "1"}, form_url="/admin/users"
    )
    assert response.status_code == 302
    assert fresh(user).active is True
    assert len(events("user.activate")) == 1
    assert browser.login("sam@example.com").status_code == 302


def test_deactivation_ends_existing_sessions(as_admin, login_as, make_user):
    user = make_user(Role.STAFF)
    session = login_as(user)
    assert session.get("/skills").status_code == 403  # signed in, but not their page
    as_admin.post(f"/admin/users/{user.id}/active", {"active": "0"}, form_url="/admin/users")
    assert session.get("/skills").status_code == 302  # signed out


def test_admin_cannot_deactivate_themself(as_admin, admin):
    assert "You cannot deactivate your own account" in html(
        as_admin.get(f"/admin/users/{admin.id}/edit")
    )
    response = as_admin.post(
        f"/admin/users/{admin.id}/active", {"active": "0"}, form_url="/admin/users"
    )
    assert response.status_code == 302
    assert fresh(admin).active is True
    assert events("user.deactivate") == []
    assert "You cannot deactivate your own account" in html(as_admin.get("/admin/users"))


def test_deactivating_twice_records_one_event(as_admin, make_user):
    user = make_user(Role.STAFF)
    for _ in range(2):
        as_admin.post(f"/admin/users/{user.id}/active", {"active": "0"}, form_url="/admin/users")
    assert len(events("user.deactivate")) == 1


@pytest.mark.parametrize("value", [None, "", "yes", "2"])
def test_set_active_rejects_unknown_values(as_admin, make_user, value):
    user = make_user(Role.STAFF)
    data = {} if value is None else {"active": value}
    response = as_admin.post(f"/admin/users/{user.id}/active", data, form_url="/admin/users")
    assert response.status_code == 400
    assert fresh(user).active is True


def test_set_active_is_post_only_with_csrf(as_admin, make_user):
    user = make_user(Role.STAFF)
    assert as_admin.get(f"/admin/users/{user.id}/active").status_code == 405
    assert (
        as_admin.client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code
        == 400
    )
    assert fresh(user).active is True


def test_set_active_ignores_foreign_next(as_admin, make_user):
    user = make_user(Role.STAFF)
    response = as_admin.post(
        f"/admin/users/{user.id}/active",
        {"active": "0", "next": "//evil.example/"},
        form_url="/admin/users",
    )
    assert response.headers["Location"] == "/admin/users"


# --- the operations' rules, without the forms -----------------------------------------------


def edit(user, actor, **overrides):
    """``update_user`` with the user's values, on the version it has."""
    values = {
        "email": user.email,
        "name": user.name,
        "roles": user.roles,
        "kind": user.kind,
        "version": user.version,
        "actor": actor,
    }
    values.update(overrides)
    return operations.update_user(user, **values)


def test_update_user_refuses_removing_ones_own_admin_role(app, db, admin):
    with pytest.raises(Refused) as refusal:
        edit(admin, admin, roles={Role.CTO})
    assert str(refusal.value) == (
        "You cannot remove your own Admin role; another admin has to do that."
    )
    assert refusal.value.field == "roles"
    _db.session.rollback()
    assert fresh(admin).roles == {Role.ADMIN}
    assert events("user.update") == []


def test_update_user_lets_an_admin_remove_another_admins_role(app, db, admin, make_user):
    other = make_user(Role.ADMIN, Role.CTO)
    edit(other, admin, roles={Role.CTO})
    _db.session.commit()
    assert fresh(other).roles == {Role.CTO}


@pytest.mark.parametrize(
    ("kind", "roles", "message"),
    [
        (UserKind.INTERNAL, set(), "Choose at least one role."),
        (UserKind.EXTERNAL, {Role.STAFF}, "An external expert cannot hold the Staff role"),
    ],
)
def test_user_operations_refuse_roles_the_rules_do_not_allow(
    app, db, admin, make_user, kind, roles, message
):
    user = make_user(Role.STAFF, email="sam@example.com")
    with pytest.raises(Refused, match=message) as refusal:
        edit(user, admin, kind=kind, roles=roles)
    assert refusal.value.field == "roles"
    _db.session.rollback()
    with pytest.raises(Refused, match=message) as refusal:
        operations.create_user(
            email="new@example.com", name="New", password=NEW_PASSWORD, roles=roles, kind=kind
        )
    assert refusal.value.field == "roles"
    _db.session.rollback()
    assert (fresh(user).kind, fresh(user).roles) == (UserKind.INTERNAL, {Role.STAFF})
    assert user_by_email("new@example.com") is None


def test_user_operations_refuse_a_taken_email_at_the_database(app, db, admin, make_user):
    """No check comes first: the unique constraint is the guard, its refusal a message."""
    make_user(Role.CTO, email="taken@example.com")
    user = make_user(Role.STAFF, email="sam@example.com")
    with pytest.raises(Refused, match=re.escape(operations.DUPLICATE_EMAIL)) as refusal:
        edit(user, admin, email="TAKEN@example.com")
    assert refusal.value.field == "email"
    _db.session.rollback()
    with pytest.raises(Refused, match=re.escape(operations.DUPLICATE_EMAIL)) as refusal:
        operations.create_user(
            email="Taken@Example.com", name="New", password=NEW_PASSWORD, roles={Role.STAFF}
        )
    assert refusal.value.field == "email"
    _db.session.rollback()
    assert fresh(user).email == "sam@example.com"
    assert row_count(User) == 3


def test_update_user_refuses_an_edit_of_another_version(app, db, admin, make_user):
    user = make_user(Role.STAFF, name="Sam Staff")
    for version in (None, user.version + 1):
        with pytest.raises(EditConflict):
            edit(user, admin, name="Mine", version=version)
        _db.session.rollback()
    assert fresh(user).name == "Sam Staff"


@pytest.mark.parametrize(
    "change", [{"name": "Mine"}, {"roles": {Role.STAFF, Role.CTO}}], ids=["name", "roles only"]
)
def test_the_database_refuses_a_save_that_lost_the_race(app, db, admin, make_user, change):
    """Another admin saved between the version check and the UPDATE: nothing is overwritten."""
    user = make_user(Role.STAFF, name="Sam Staff")
    commit_elsewhere(User, user.id, name="Theirs")  # the session's copy is still version 1
    with pytest.raises(StaleDataError):
        edit(user, admin, **change)
    _db.session.rollback()
    saved = fresh(user)
    assert (saved.name, saved.roles, saved.version) == ("Theirs", {Role.STAFF}, 2)


def test_a_change_of_roles_alone_is_a_new_version(app, db, admin, make_user):
    user = make_user(Role.STAFF)
    edit(user, admin, roles={Role.STAFF, Role.CTO})
    _db.session.commit()
    assert fresh(user).version == 2
    edit(user, admin)  # nothing changed: the same version
    _db.session.commit()
    assert fresh(user).version == 2


def test_account_state_changes_keep_the_version(app, db, admin, make_user):
    """Sessions, passwords and activation are not what the edit form's version guards."""
    user = make_user(Role.STAFF)
    operations.end_sessions(user)
    operations.set_password(user, NEW_PASSWORD, actor=admin)
    operations.rehash_password(user, NEW_PASSWORD)
    assert operations.set_active(user, False, actor=admin)
    assert operations.set_active(user, True, actor=admin)
    assert user.session_version == 4  # the object has the values as stored
    _db.session.commit()
    saved = fresh(user)
    assert (saved.session_version, saved.active, saved.version) == (4, True, 1)
    assert verify_password(saved.password_hash, NEW_PASSWORD)


def test_set_active_refuses_deactivating_ones_own_account(app, db, admin):
    with pytest.raises(Refused, match="You cannot deactivate your own account"):
        operations.set_active(admin, False, actor=admin)
    _db.session.rollback()
    assert fresh(admin).active is True
    assert events("user.deactivate") == []
    assert permissions.can_set_active(admin, admin) is False


def test_set_active_changes_nothing_when_so_already(app, db, admin, make_user):
    user = make_user(Role.STAFF)
    assert operations.set_active(user, True, actor=admin) is False
    assert operations.set_active(user, False, actor=admin) is True
    assert operations.set_active(user, False, actor=admin) is False
    assert len(events("user.deactivate")) == 1


def test_only_an_admin_sees_the_activation_button_of_others(app, db, admin, make_user):
    user = make_user(Role.STAFF)
    assert permissions.can_set_active(admin, user) is True
    assert permissions.can_set_active(make_user(Role.CTO, Role.IT_LEAD), user) is False


# --- CLI -------------------------------------------------------------------------------------


@pytest.fixture
def cli(app, db):
    runner = app.test_cli_runner()

    def _run(*args):
        return runner.invoke(create_user_command, list(args))

    return _run


def test_cli_creates_internal_user(cli):
    result = cli(
        "Carla@Example.com", "--name", "Carla CTO", "--role", "cto", "--password", NEW_PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert "Created user" in result.output
    user = user_by_email("carla@example.com")
    assert user.kind is UserKind.INTERNAL
    assert user.roles == {Role.CTO}
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert len(events("user.create")) == 1


def test_cli_creates_external_user_with_several_roles(cli):
    result = cli(
        "eve@example.com", "--name", "Eve", "--role", "expert", "--role", "it_lead",
        "--external", "--password", NEW_PASSWORD,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = user_by_email("eve@example.com")
    assert user.kind is UserKind.EXTERNAL
    assert user.roles == {Role.EXPERT, Role.IT_LEAD}


def test_cli_through_the_flask_command_line(app, db):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "x@example.com",
            "--name",
            "X",
            "--role",
            "admin",
            "--password",
            NEW_PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert user_by_email("x@example.com") is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["taken@example.com", "--name", "T", "--role", "cto"], "exists already"),
        (["TAKEN@example.com", "--name", "T", "--role", "cto"], "exists already"),
        (["new@example.com", "--name", "T", "--role", "cto", "--password", "short"], "at least 12"),
        (["not-an-email", "--name", "T", "--role", "cto"], "not a valid email"),
        (["new@example.com", "--name", " ", "--role", "cto"], "between 1 and 120"),
        (["new@example.com", "--name", "T", "--role", "root"], "Invalid value"),
        (["new@example.com", "--name", "T"], "Missing option"),
        (["new@example.com", "--name", "T", "--role", "staff", "--external"], "Staff role"),
    ],
)
def test_cli_refuses_bad_input(cli, make_user, args, message):
    make_user(Role.STAFF, email="taken@example.com")
    users_before = row_count(User)
    if "--password" not in args:
        args = [*args, "--password", NEW_PASSWORD]
    result = cli(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert row_count(User) == users_before


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (" " * 12, "at least 12 characters"),
        ("password1234", "Too common"),
        ("tamara.tester@example.com", "Too close to the email address"),
        ("TamaraTester77", "Too close to the email address or the name"),
    ],
)
def test_cli_applies_the_password_rule(cli, password, message):
    result = cli(
        "tamara.tester@example.com", "--name", "Tamara Tester", "--role", "cto",
        "--password", password,
    )  # fmt: skip
    assert result.exit_code != 0
    assert message in result.output
    assert "--password" in result.output
    assert row_count(User) == 0
    assert row_count(AuditEvent) == 0


def test_an_admin_changes_their_own_password_on_the_account_page(as_admin, admin):
    """Resetting ends every session of the account: for their own account an admin is sent
    to the password change, which asks for the current password and keeps the session."""
    page = as_admin.get("/admin/users").get_data(as_text=True)
    assert f'/admin/users/{admin.id}/password"' not in page
    assert "Change my password" in page
    for response in (
        as_admin.get(f"/admin/users/{admin.id}/password"),
        as_admin.post(
            f"/admin/users/{admin.id}/password",
            {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        ),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/account/password")
    assert not verify_password(fresh(admin).password_hash, NEW_PASSWORD)
    assert events("user.password_reset") == []
    assert as_admin.get("/admin/users").status_code == 200  # still signed in


def test_editing_from_a_filtered_list_goes_back_to_it(as_admin, make_user):
    user = make_user(Role.STAFF, name="Sam Staff", email="sam@example.com")
    listing = "/admin/users?q=sam"
    page = html(as_admin.get(listing))
    found = re.search(rf'href="(/admin/users/{user.id}/edit\?next=[^"]+)"', page)
    edit_url = found.group(1).replace("&amp;", "&")
    assert f'href="{listing}"' in html(as_admin.get(edit_url))  # Cancel
    response = as_admin.post(edit_url, edit_data(as_admin, user, name="Samuel Staff"))
    assert response.headers["Location"] == listing
