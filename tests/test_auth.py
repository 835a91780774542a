from datetime import timedelta

from werkzeug.security import generate_password_hash

from knowtrans.core import changes
from knowtrans.core.clock import utcnow
from knowtrans.users.models import Role, User


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_pages_need_login(client):
    response = client.get("/engagements")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_and_logout(browser, make_user):
    user = make_user(Role.CTO, email="cto@example.com")
    response = browser.login("CTO@example.com")
    assert response.headers["Location"] == "/"
    assert browser.get("/").status_code == 200
    assert browser.logout().status_code == 302
    assert browser.get("/").status_code == 302
    assert user.id


def test_wrong_password_keeps_email_and_says_why(browser, make_user):
    make_user(Role.STAFF, email="staff@example.com")
    response = browser.post("/login", {"email": "staff@example.com", "password": "wrong password!"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Email or password is not correct" in html
    assert 'value="staff@example.com"' in html


def test_inactive_user_cannot_log_in(browser, make_user):
    make_user(Role.STAFF, email="gone@example.com", active=False)
    response = browser.post(
        "/login", {"email": "gone@example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 200


def test_logout_needs_post_with_csrf(browser, make_user):
    make_user(Role.STAFF, email="s@example.com")
    browser.login("s@example.com")
    assert browser.client.get("/logout").status_code == 405
    assert browser.client.post("/logout").status_code == 400
    assert browser.get("/").status_code == 200


def test_next_only_to_local_paths(browser, make_user):
    make_user(Role.STAFF, email="n@example.com")
    for target in ("//evil.example", "/\\evil.example", "https://evil.example/x"):
        browser.client.get("/login")
        response = browser.post(
            f"/login?next={target}", {"email": "n@example.com", "password": "correct horse battery"}
        )
        assert response.headers["Location"] == "/", target
        browser.logout()
    response = browser.post(
        "/login?next=/skills", {"email": "n@example.com", "password": "correct horse battery"}
    )
    assert response.headers["Location"] == "/skills"


def test_sign_in_accepts_any_password_the_account_has(db, browser, make_user):
    """The password rule applies where a password is set; signing in only checks the hash."""
    user = make_user(Role.STAFF)
    for password in (" " * 12, "short", "password1234"):
        user.password_hash = generate_password_hash(password, method="scrypt:1024:8:1")
        db.session.commit()
        browser.login(user, password)
        browser.logout()


def test_sign_in_needs_a_password(browser, make_user):
    user = make_user(Role.STAFF)
    response = browser.post("/login", {"email": user.email, "password": ""})
    assert response.status_code == 200
    assert "Enter your password." in response.get_data(as_text=True)


def test_a_sign_in_is_recorded_as_the_last_one(db, browser, make_user):
    """Only a successful sign-in counts; it moves neither the user's version (an admin's open
    edit form stays valid) nor the shared data's change counter (cached pages stay valid)."""
    user = make_user(Role.STAFF, email="seen@example.com")
    assert user.last_login_at is None
    version, counters = user.version, changes.generations(0)

    browser.post("/login", {"email": "seen@example.com", "password": "wrong password!"})
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is None

    before = utcnow()
    browser.login(user)
    db.session.expire_all()
    signed_in = db.session.get(User, user.id)
    assert before <= signed_in.last_login_at <= utcnow()
    assert signed_in.version == version
    assert changes.generations(0) == counters

    browser.logout()
    signed_in.last_login_at = before - timedelta(days=100)
    db.session.commit()
    browser.login(user)
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at >= before


def test_an_inactive_account_signing_in_is_not_recorded(db, browser, make_user):
    user = make_user(Role.STAFF, email="away@example.com", active=False)
    browser.post("/login", {"email": "away@example.com", "password": "correct horse battery"})
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is None
