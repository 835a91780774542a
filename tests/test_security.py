"""Sessions, sign-in throttling, passwords, headers and error pages (OWASP ASVS level 2)."""

import hashlib
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

import config
from knowtrans import create_app
from knowtrans.audit.models import AuditEvent
from knowtrans.auth.sessions import LOGIN_AT, SEEN_AT
from knowtrans.core.assets import static_version
from knowtrans.core.clock import utcnow
from knowtrans.core.security import CONTENT_SECURITY_POLICY
from knowtrans.demo.cli import DEFAULT_PASSWORD
from knowtrans.engagements.models import EngagementStatus
from knowtrans.reports.models import HandoverReport
from knowtrans.users.models import Role, User
from knowtrans.users.operations import password_problem
from knowtrans.users.passwords import dummy_hash, verify_password
from tests.conftest import PASSWORD, Browser, redis_answers

NEW_PASSWORD = "a much longer passphrase"
#: the headers security_headers sets on every response
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Permissions-Policy",
    "Strict-Transport-Security",
)


def wrong_login(browser, email="someone@example.com"):
    return browser.post("/login", {"email": email, "password": "not the password"})


# --- passwords ------------------------------------------------------------------------------


def test_default_hash_is_scrypt_with_n_of_at_least_2_to_the_17():
    method = config.Config.PASSWORD_HASH_METHOD
    name, n, *_ = method.split(":")
    assert name == "scrypt"
    assert int(n) >= 2**17
    assert generate_password_hash("x" * 12, method=method).startswith("scrypt:131072:")


def test_change_password_says_why_and_needs_the_current_one(db, login_as, make_user):
    user = make_user(Role.STAFF)
    browser = login_as(user)
    short = browser.post(
        "/account/password",
        {"current_password": PASSWORD, "password": "short", "confirm": "short"},
    ).get_data(as_text=True)
    assert "at least 12 characters" in short
    wrong = browser.post(
        "/account/password",
        {"current_password": "guess", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ).get_data(as_text=True)
    assert "This is not your current password." in wrong


@pytest.fixture
def scrypt_calls(monkeypatch):
    """The (n, r, p) of every scrypt computation: the work a password check does."""
    calls = []
    scrypt = hashlib.scrypt

    def spy(password, *, salt, n, r, p, **kwargs):
        calls.append((n, r, p))
        return scrypt(password, salt=salt, n=n, r=r, p=p, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", spy)
    return calls


def test_every_sign_in_costs_one_verification_with_the_current_method(
    app, db, browser, make_user, scrypt_calls
):
    """Unknown address, inactive account, no usable hash, wrong or right password: same work."""
    _, n, r, p = app.config["PASSWORD_HASH_METHOD"].split(":")
    current = (int(n), int(r), int(p))
    active = make_user(Role.STAFF)
    inactive = make_user(Role.STAFF, active=False)
    withheld = make_user(Role.STAFF)
    withheld.password_hash = "!withheld"  # as restored from an export without secrets
    db.session.commit()
    dummy_hash()  # made once per process, by the first attempt; not part of what is compared
    browser.get("/login")

    attempts = {
        "unknown address": ("nobody@example.com", PASSWORD, 200),
        "inactive, wrong password": (inactive.email, "not the password", 200),
        "inactive, right password": (inactive.email, PASSWORD, 200),
        "no usable hash": (withheld.email, PASSWORD, 200),
        "wrong password": (active.email, "not the password", 200),
        "right password": (active.email, PASSWORD, 302),
    }
    for case, (email, password, status) in attempts.items():
        scrypt_calls.clear()
        response = browser.post("/login", {"email": email, "password": password})
        assert response.status_code == status, case
        assert scrypt_calls == [current], case
    failed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
    ).all()
    assert len(failed) == 5


@pytest.mark.parametrize("old_method", ["pbkdf2:sha256:1000", "scrypt:256:8:1"])
def test_sign_in_rehashes_a_hash_of_an_older_method(db, browser, make_user, old_method):
    user = make_user(Role.STAFF)
    user.password_hash = generate_password_hash(PASSWORD, method=old_method)
    db.session.commit()
    wrong_login(browser, user.email)
    db.session.refresh(user)
    assert user.password_hash.startswith(old_method + "$"), "a failure changes nothing"

    browser.login(user)
    db.session.refresh(user)
    assert user.password_hash.startswith(config.TestingConfig.PASSWORD_HASH_METHOD + "$")
    browser.logout()
    browser.login(user)  # the new hash holds the same password
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert not [action for action in actions if action.startswith("user.password")]


def test_a_current_hash_is_kept_at_sign_in(db, browser, make_user):
    user = make_user(Role.STAFF)
    before = user.password_hash
    browser.login(user)
    db.session.refresh(user)
    assert user.password_hash == before


def change_password(browser, current, new=NEW_PASSWORD, confirm=None):
    confirm = new if confirm is None else confirm
    return browser.post(
        "/account/password", {"current_password": current, "password": new, "confirm": confirm}
    )


def test_wrong_current_passwords_are_audited(db, login_as, make_user):
    user = make_user(Role.STAFF)
    browser = login_as(user)
    for _ in range(2):
        response = change_password(browser, "a guess at it")
        assert response.status_code == 200
        assert "This is not your current password." in response.get_data(as_text=True)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "auth.password_change_failed")
    ).all()
    assert len(events) == 2
    assert {(event.actor_id, event.object_id) for event in events} == {(user.id, user.id)}
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


def test_wrong_current_passwords_are_limited_per_account(db, login_as, make_user):
    user = make_user(Role.STAFF)
    browser = login_as(user)
    for _ in range(5):
        assert change_password(browser, "a guess at it").status_code == 200
    response = change_password(browser, "a guess at it")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # the right one does not get through either, and nothing changed
    assert change_password(browser, PASSWORD).status_code == 429
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)
    assert browser.get("/account/password").status_code == 200


def test_a_right_current_password_works_before_the_limit(db, login_as, make_user):
    user = make_user(Role.STAFF)
    browser = login_as(user)
    for _ in range(4):
        assert change_password(browser, "a guess at it").status_code == 200
    for _ in range(6):  # form errors are not guesses: they use up nothing
        assert change_password(browser, PASSWORD, confirm="something else").status_code == 200
    assert change_password(browser, PASSWORD).status_code == 302
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)


def test_sign_ins_and_password_changes_share_the_accounts_budget(db, login_as, make_user):
    user = make_user(Role.STAFF)
    browser = login_as(user)
    attacker = Browser(browser.client.application.test_client())
    for _ in range(3):
        assert wrong_login(attacker, user.email).status_code == 200
    for _ in range(2):
        assert change_password(browser, "a guess at it").status_code == 200
    assert change_password(browser, "a guess at it").status_code == 429
    assert wrong_login(attacker, user.email.upper()).status_code == 429
    # another account's budget is its own
    other = make_user(Role.STAFF)
    assert change_password(login_as(other), "a guess at it").status_code == 200


# --- the password rule, on every path that sets a password -----------------------------------

OWNER_EMAIL = "grace.hopper@example.com"
OWNER_NAME = "Grace Hopper"
#: (password, why it is refused), for an account of OWNER_EMAIL and OWNER_NAME
REFUSED_PASSWORDS = [
    (" " * 12, "Too short"),
    ("   elevenchars   ", "Too short"),
    ("password1234", "Too common"),
    ("PASSWORD 1234", "Too common"),
    (OWNER_EMAIL, "Too close to the email address"),
    ("Grace.Hopper@Example.COM", "Too close to the email address"),
    ("grace.hopper!", "Too close to the email address"),
    ("x" * 257, "Too long"),
]


@pytest.mark.parametrize(("password", "message"), REFUSED_PASSWORDS)
def test_own_password_change_applies_the_password_rule(db, login_as, make_user, password, message):
    user = make_user(Role.STAFF, email=OWNER_EMAIL, name=OWNER_NAME)
    browser = login_as(user)
    response = change_password(browser, PASSWORD, password)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_own_password_change_shows_the_operations_refusal_at_the_field(
    db, login_as, make_user, monkeypatch
):
    """The operation enforces the rule even where a form would not."""
    user = make_user(Role.STAFF, email=OWNER_EMAIL, name=OWNER_NAME)
    browser = login_as(user)
    monkeypatch.setattr("knowtrans.users.forms.password_problem", lambda *a, **k: None)
    response = change_password(browser, PASSWORD, " " * 12)
    assert response.status_code == 200
    assert "Too short" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


@pytest.mark.parametrize(("password", "message"), REFUSED_PASSWORDS[:4])
def test_seed_demo_applies_the_password_rule(app, db, password, message):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--password", password])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_the_demo_password_passes_the_password_rule(app, db):
    assert password_problem(DEFAULT_PASSWORD) is None


# --- sessions -------------------------------------------------------------------------------


def test_login_starts_a_new_session(browser, make_user):
    user = make_user(Role.STAFF)
    browser.get("/login")
    with browser.client.session_transaction() as session:
        session["planted"] = "by an attacker"
    browser.login(user)
    with browser.client.session_transaction() as session:
        assert "planted" not in session
        assert session[LOGIN_AT] > 0


def test_logout_ends_the_users_other_sessions(db, login_as, make_user):
    user = make_user(Role.STAFF)
    laptop, phone = login_as(user), login_as(user)
    assert phone.get("/").status_code == 200
    laptop.logout()
    assert phone.get("/").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(db, login_as, make_user):
    user = make_user(Role.STAFF)
    laptop, phone = login_as(user), login_as(user)
    response = laptop.post(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert phone.post("/login", {"email": user.email, "password": NEW_PASSWORD}).status_code == 302
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "user.password_change" in actions


def test_admin_password_reset_and_deactivation_sign_the_user_out(db, login_as, make_user):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.STAFF)
    session = login_as(user)
    as_admin = login_as(admin)
    as_admin.post(
        f"/admin/users/{user.id}/password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert session.get("/").status_code == 302

    session = Browser(session.client)
    session.login(user, NEW_PASSWORD)
    assert session.get("/").status_code == 200
    as_admin.post(f"/admin/users/{user.id}/active", {"active": "0"}, form_url="/admin/users")
    db.session.expire_all()
    assert not user.active
    assert session.get("/").status_code == 302


@pytest.mark.parametrize(("key", "age"), [(SEEN_AT, 31 * 60), (LOGIN_AT, 13 * 60 * 60)])
def test_idle_and_absolute_timeouts(db, login_as, make_user, key, age):
    browser = login_as(make_user(Role.STAFF))
    now = int(utcnow().timestamp())
    with browser.client.session_transaction() as session:
        session[key] = now - age
    response = browser.get("/engagements")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/engagements")
    assert "session has expired" in browser.get("/login").get_data(as_text=True)


def test_the_cookie_is_sent_again_only_when_the_session_changes(db, login_as, make_user):
    """The idle clock moves at most once a minute; a page in between sends no cookie."""
    browser = login_as(make_user(Role.STAFF))
    browser.get("/engagements")
    assert "Set-Cookie" not in browser.get("/engagements").headers
    with browser.client.session_transaction() as session:
        session[SEEN_AT] = int(utcnow().timestamp()) - 61
    assert "Set-Cookie" in browser.get("/engagements").headers


def test_session_cookie_flags(app, browser, make_user):
    response = browser.post("/login", {"email": make_user().email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over plain HTTP in tests


def test_secure_cookies_and_hsts_when_served_over_https():
    settings = config.TestingConfig()
    settings.SESSION_COOKIE_SECURE = True
    settings.HSTS = True
    app = create_app(settings)
    with app.test_request_context():
        client = app.test_client()
        response = client.get("/login", base_url="https://knowtrans.example")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "Secure" in response.headers["Set-Cookie"]


# --- throttling -----------------------------------------------------------------------------


def test_failed_logins_are_limited_per_account(db, browser, make_user):
    user = make_user(Role.STAFF)
    for _ in range(5):
        assert wrong_login(browser, user.email).status_code == 200
    response = wrong_login(browser, user.email)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # the right password does not get through a locked account either
    assert browser.post("/login", {"email": user.email, "password": PASSWORD}).status_code == 429
    failed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
    ).all()
    assert len(failed) == 5
    assert failed[0].object_id == user.id


def test_failed_logins_are_limited_per_address(app, db, browser):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3/minute"
    try:
        for n in range(3):
            assert wrong_login(browser, f"nobody{n}@example.com").status_code == 200
        assert wrong_login(browser, "nobody9@example.com").status_code == 429
    finally:
        app.config["LOGIN_LIMIT_PER_ADDRESS"] = config.Config.LOGIN_LIMIT_PER_ADDRESS


def test_successful_logins_do_not_use_up_the_limit(db, browser, make_user):
    user = make_user(Role.STAFF)
    for _ in range(8):
        browser.login(user)
        browser.logout()


# --- headers and error pages ----------------------------------------------------------------


def test_content_security_policy_forbids_inline_script_and_framing():
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_every_page_carries_the_security_headers(app, db, login_as, make_user, make_engagement):
    engagement = make_engagement()
    browser = login_as(make_user(Role.ADMIN, Role.CTO, Role.IT_LEAD))
    pages = ["/", "/engagements", f"/engagements/{engagement.id}", "/skills", "/admin/users",
             "/reports", "/account/password", "/no-such-page", "/login"]  # fmt: skip
    for url in pages:
        response = browser.get(url)
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Referrer-Policy"] == "same-origin", url
        assert headers["X-Frame-Options"] == "DENY", url
        assert "Strict-Transport-Security" not in headers, url
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        assert "style=" not in html, url


# --- caching: nothing but static files is stored ---------------------------------------------


@pytest.fixture
def final_report(db, make_engagement):
    """A closed engagement with an archived final report (a stand-in PDF: no layout needed)."""
    engagement = make_engagement(status=EngagementStatus.CLOSED)
    pdf = b"%PDF-1.7 stand-in"
    db.session.add(
        HandoverReport(
            engagement=engagement,
            identifier="KT-TEST-F",
            generated_by=engagement.expert,
            page_count=1,
            sha256=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf),
            pdf=pdf,
        )
    )
    db.session.commit()
    return engagement


def test_no_response_to_a_signed_in_user_is_stored(db, login_as, make_user, final_report):
    """Pages, redirects, downloads and error pages: the back button or a shared cache must not
    show one person's page to the next."""
    engagement = final_report
    browser = login_as(make_user(Role.ADMIN, Role.CTO, Role.IT_LEAD))
    urls = ["/", "/engagements", f"/engagements/{engagement.id}", "/skills", "/reports",
            f"/engagements/{engagement.id}/report/final", "/account/password", "/login",
            "/no-such-page", "/static/no-such-file.css", "/engagements/abc/edit"]  # fmt: skip
    statuses = set()
    for url in urls:
        response = browser.get(url)
        statuses.add(response.status_code)
        assert response.cache_control.no_store, url
        assert not response.cache_control.public, url
        response.close()
    assert statuses == {200, 302, 404}
    assert browser.get(f"/engagements/{engagement.id}/report/final").mimetype == "application/pdf"
    forbidden = login_as(make_user(Role.STAFF)).get("/admin/users")
    assert (forbidden.status_code, forbidden.headers["Cache-Control"]) == (403, "no-store")
    signed_out = browser.logout()
    assert (signed_out.status_code, signed_out.headers["Cache-Control"]) == (302, "no-store")


def test_responses_that_set_the_session_cookie_are_not_stored(client):
    """The sign-in page carries a CSRF token in its session cookie and in the page."""
    for response in (client.get("/login"), client.get("/"), client.get("/healthz")):
        assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" in client.get("/login").headers


STATIC_URL_RE = re.compile(r'href="(/static/css/app\.css\?v=([0-9a-f]{12}))"')


def test_static_files_are_cached_long_under_versioned_urls(app, db, login_as, make_user):
    browser = login_as(make_user(Role.STAFF))
    page = browser.get("/").get_data(as_text=True)
    url, version = STATIC_URL_RE.search(page).groups()
    content = (Path(app.static_folder) / "css" / "app.css").read_bytes()
    assert version == hashlib.sha256(content).hexdigest()[:12]
    assert 'src="/static/js/app.js?v=' in page

    response = browser.get(url)
    assert response.status_code == 200
    cache_control = response.cache_control
    assert cache_control.public
    assert cache_control.max_age >= 365 * 24 * 60 * 60
    assert cache_control.immutable
    assert not cache_control.no_store
    # the same for everyone: a shared cache must not keep anyone's session with it
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    response.close()


def test_a_changed_static_file_gets_a_new_url(tmp_path):
    style = tmp_path / "style.css"
    style.write_text("body { color: black; }")
    first = static_version(str(tmp_path), "style.css")
    assert first == static_version(str(tmp_path), "style.css")
    style.write_text("body { color: darkslategray; }")
    second = static_version(str(tmp_path), "style.css")
    assert second is not None
    assert second != first
    assert static_version(str(tmp_path), "missing.css") is None
    assert static_version(str(tmp_path / "css"), "../style.css") is None


def test_the_readmes_reverse_proxy_adds_the_apps_security_headers():
    """gunicorn's and the proxy's own error pages get the headers from the proxy (README)."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    snippet = re.search(r"```nginx\n(.*?)```", readme, re.S).group(1)
    added = dict(re.findall(r'add_header ([\w-]+) "([^"]*)" always;', snippet))
    hidden = set(re.findall(r"proxy_hide_header ([\w-]+);", snippet))
    settings = config.TestingConfig()
    settings.HSTS = True
    headers = create_app(settings).test_client().get("/login").headers
    expected = {name: headers[name] for name in SECURITY_HEADERS}
    assert added == expected
    assert hidden == set(SECURITY_HEADERS)


def test_too_large_request_gets_a_413_page(app, db, browser):
    response = browser.client.post(
        "/login", data={"email": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)}
    )
    assert response.status_code == 413
    assert 'class="site-header"' in response.get_data(as_text=True)


def test_unexpected_errors_get_a_500_page_without_a_trace():
    settings = config.TestingConfig()
    settings.PROPAGATE_EXCEPTIONS = False
    app = create_app(settings)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "secret internals" not in html
    assert "Traceback" not in html


def test_method_not_allowed_page(browser):
    response = browser.get("/logout")
    assert response.status_code == 405
    assert "Method not allowed" in response.get_data(as_text=True)


def test_denials_are_audited(db, login_as, make_user):
    staff = make_user(Role.STAFF)
    assert login_as(staff).get("/admin/users").status_code == 403
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "access.denied"))
    assert event.actor_id == staff.id
    assert "403 GET /admin/users" in event.summary


# --- behind a reverse proxy ----------------------------------------------------------------

PROXY, CLIENT, OTHER_CLIENT = "10.0.0.1", "203.0.113.7", "198.51.100.9"


def through_proxy(client: str, spoofed: str = "6.6.6.6") -> dict:
    """What the proxy passes on: the client's own X-Forwarded-For (a lie) plus the address the
    proxy saw, and the scheme the client used (over HTTPS, Flask-WTF also checks the Referer,
    which browsers send to the same origin)."""
    return {
        "environ_base": {"REMOTE_ADDR": PROXY},
        "headers": {
            "X-Forwarded-For": f"{spoofed}, {client}",
            "X-Forwarded-Proto": "https",
            "Referer": "https://localhost/login",
        },
    }


@pytest.mark.parametrize(
    ("proxies", "seen"), [(0, f"{PROXY} http {PROXY}"), (1, f"{CLIENT} https {CLIENT}")]
)
def test_trusted_proxies_decide_whose_address_the_app_sees(proxies, seen):
    from flask import request
    from flask_limiter.util import get_remote_address

    settings = config.TestingConfig()
    settings.TRUSTED_PROXIES = proxies
    app = create_app(settings)

    @app.get("/whoami")
    def whoami():
        return f"{request.remote_addr} {request.scheme} {get_remote_address()}"

    response = app.test_client().get("/whoami", **through_proxy(CLIENT))
    assert response.get_data(as_text=True) == seen


def test_trusted_proxies_must_be_a_count():
    settings = config.TestingConfig()
    settings.TRUSTED_PROXIES = -1
    with pytest.raises(RuntimeError, match="TRUSTED_PROXIES"):
        create_app(settings)


@pytest.mark.parametrize("proxies", [0, 1])
def test_sign_in_throttling_counts_per_client_behind_a_trusted_proxy(
    app, db, browser, monkeypatch, proxies
):
    from knowtrans.core.security import trust_proxies

    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # undone after the test
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", proxies)
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "2/minute")
    trust_proxies(app)

    def attempt(n: int, client: str) -> int:
        data = {"email": f"nobody{n}@example.com", "password": "not the password"}
        return browser.post(
            "/login", data, **through_proxy(client, spoofed=f"6.6.6.{n}")
        ).status_code

    assert [attempt(n, CLIENT) for n in range(3)] == [200, 200, 429]
    # another client behind the same proxy has its own count, once the proxy is trusted
    assert attempt(3, OTHER_CLIENT) == (200 if proxies else 429)
    summaries = db.session.scalars(
        sa.select(AuditEvent.summary)
        .where(AuditEvent.action == "auth.login_failed")
        .order_by(AuditEvent.id)
    ).all()
    assert summaries[0].endswith(f"from {CLIENT if proxies else PROXY}")


REDIS_SCRIPT = """
import re, sys, uuid, redis
from config import TestingConfig
from knowtrans import create_app
from knowtrans.extensions import db, limiter

settings = TestingConfig()
settings.RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/15"
# a prefix of its own: another run on the same Redis neither sees nor resets these counts
prefix = f"knowtrans-test-{uuid.uuid4().hex}"
settings.RATELIMIT_STORAGE_OPTIONS = {"key_prefix": prefix}
settings.LOGIN_LIMIT_PER_ACCOUNT = "2/minute"
app = create_app(settings)
with app.app_context():
    db.create_all()
    limiter.reset()
statuses = []
for _ in range(3):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"csrf_token": token, "email": "nobody@example.com", "password": "wrong password"}
    statuses.append(client.post("/login", data=data).status_code)
keys = redis.Redis(db=15).keys(prefix + "*")
with app.app_context():
    limiter.reset()
print(statuses, len(keys) > 0)
"""


def test_sign_in_throttling_counts_in_the_configured_storage(db):
    """With RATELIMIT_STORAGE_URI=redis://…, several workers or hosts share the counts.

    ``db``: on PostgreSQL the script's failed sign-ins land in the test database; the fixture
    removes them, so the next test does not find them."""
    import subprocess
    import sys
    from pathlib import Path

    if not redis_answers():
        if os.environ.get("KNOWTRANS_REQUIRE_REDIS") == "1":
            pytest.fail("no Redis on 127.0.0.1:6379, and CI requires it")
        pytest.skip("no Redis on 127.0.0.1:6379")
    result = subprocess.run(
        [sys.executable, "-c", REDIS_SCRIPT],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[200, 200, 429] True"
