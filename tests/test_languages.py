"""The page frame, sign-in and start page in German; the signed-out language switch; the
profile where a signed-in user chooses their language and time zone.

German pages need the compiled catalogue (``make install`` compiles it)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from limits import parse

from knowtrans.audit.models import AuditEvent
from knowtrans.core.clock import today
from knowtrans.core.concurrency import ConflictNotice
from knowtrans.core.limits import _message
from knowtrans.extensions import db as _db
from knowtrans.users.models import Role, User

LANG_RE = re.compile(r'<html lang="([a-z]+)">')


def text(response) -> str:
    return response.get_data(as_text=True)


def lang_of(html: str) -> str:
    match = LANG_RE.search(html)
    assert match, "no <html lang>"
    return match.group(1)


def german(user: User) -> User:
    user.language = "de"
    _db.session.commit()
    return user


def fresh(user: User) -> User:
    _db.session.expire_all()
    return _db.session.get(User, user.id)


def profile_events() -> list[AuditEvent]:
    return list(
        _db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "user.profile").order_by(AuditEvent.id)
        )
    )


# --- signed out --------------------------------------------------------------------------


def test_the_sign_in_page_speaks_english_by_default(client):
    html = text(client.get("/login"))
    assert lang_of(html) == "en"
    assert "<h1>Sign in</h1>" in html
    assert "Skip to content" in html


def test_accept_language_de_gives_the_sign_in_page_in_german(client):
    html = text(client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}))
    assert lang_of(html) == "de"
    assert "<title>Anmelden · knowtrans</title>" in html
    assert "<h1>Anmelden</h1>" in html
    assert "Zum Inhalt springen" in html
    assert "E-Mail" in html
    assert "Passwort" in html
    for english in ("Sign in", "Skip to content", "Password", "what the expert knows"):
        assert english not in html, english


def test_the_switch_changes_the_language_of_the_signed_out_pages(browser):
    page = text(browser.get("/login?next=/skills"))
    assert 'action="/language"' in page
    assert 'name="next" value="/login?next=/skills"' in page
    assert '<button type="submit" name="language" value="de" lang="de"' in page
    response = browser.post("/language", {"language": "de", "next": "/login?next=/skills"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/skills"
    html = text(browser.get("/login"))
    assert lang_of(html) == "de"
    assert "<h1>Anmelden</h1>" in html
    # the current language is shown, the other offered
    assert '<span lang="de" aria-current="true">Deutsch</span>' in html
    assert '<button type="submit" name="language" value="en" lang="en"' in html
    # the choice wins over the browser's
    assert lang_of(text(browser.get("/login", headers={"Accept-Language": "en"}))) == "de"
    browser.post("/language", {"language": "en", "next": "/login"})
    assert lang_of(text(browser.get("/login", headers={"Accept-Language": "de"}))) == "en"


def test_the_switch_refuses_what_it_does_not_know(browser):
    assert browser.post("/language", {"language": "fr"}).status_code == 400
    assert browser.post("/language", {}).status_code == 400
    assert browser.client.post("/language", data={"language": "de"}).status_code == 400  # CSRF
    assert browser.client.get("/language").status_code == 405
    assert lang_of(text(browser.get("/login"))) == "en"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/x", "/\\evil"])
def test_the_switch_goes_back_only_to_local_pages(browser, target):
    response = browser.post("/language", {"language": "de", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_a_german_user_signing_out_sees_the_sign_in_page_in_german(browser, make_user):
    user = german(make_user(Role.STAFF))
    browser.login(user)
    response = browser.logout()
    html = text(browser.get(response.headers["Location"]))
    assert lang_of(html) == "de"
    assert "Sie sind abgemeldet." in html


def test_signing_in_follows_the_users_language_not_the_switch(browser, make_user):
    user = make_user(Role.STAFF)  # English
    browser.post("/language", {"language": "de", "next": "/login"})
    browser.login(user)
    assert lang_of(text(browser.get("/"))) == "en"


def test_a_german_sign_in_error_is_german(client, make_user):
    from tests.conftest import Browser

    browser = Browser(client)
    browser.post("/language", {"language": "de", "next": "/login"})
    response = browser.post("/login", {"email": make_user().email, "password": "wrong one!"})
    html = text(response)
    assert "E-Mail-Adresse oder Passwort ist nicht korrekt" in html
    response = browser.post("/login", {"email": "", "password": ""})
    assert "Geben Sie Ihre E-Mail-Adresse ein." in text(response)


# --- the profile ---------------------------------------------------------------------------


def test_the_header_links_the_profile_and_keeps_the_password(login_as, make_user):
    html = text(login_as(make_user(Role.STAFF)).get("/"))
    assert 'href="/account/profile"' in html
    assert 'href="/account/password"' in html
    assert 'action="/language"' not in html  # signed in: the profile says


def test_the_profile_shows_the_current_choices(login_as, make_user):
    user = make_user(Role.STAFF)
    user.timezone = "America/New_York"
    _db.session.commit()
    html = text(login_as(user).get("/account/profile"))
    assert "<h1>Your profile</h1>" in html
    assert '<option selected value="en">English</option>' in html
    assert '<option value="de">Deutsch</option>' in html
    assert '<option value="">Company default: Europe/Berlin</option>' in html
    assert '<option selected value="America/New_York">America/New_York</option>' in html
    assert 'href="/account/password"' in html


def test_saving_german_shows_the_profile_in_german_at_once(db, login_as, make_user):
    user = make_user(Role.STAFF)
    version = user.version
    browser = login_as(user)
    response = browser.post("/account/profile", {"language": "de", "timezone": "Europe/Vienna"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile"
    html = text(browser.get("/account/profile"))
    assert lang_of(html) == "de"
    assert "Ihr Profil ist gespeichert." in html
    assert "<h1>Ihr Profil</h1>" in html
    assert "<title>Profil · knowtrans</title>" in html
    assert '<option value="">Unternehmensstandard: Europe/Berlin</option>' in html
    saved = fresh(user)
    assert (saved.language, saved.timezone) == ("de", "Europe/Vienna")
    # the user's own settings, like the password, leave the admin's edit version alone
    assert saved.version == version
    [event] = profile_events()
    assert event.actor_id == user.id
    assert event.object_id == user.id
    assert "language en → de" in event.summary
    assert "time zone company default → Europe/Vienna" in event.summary


def test_the_company_zone_is_the_empty_choice(db, login_as, make_user):
    user = make_user(Role.STAFF)
    user.timezone = "Asia/Tokyo"
    _db.session.commit()
    browser = login_as(user)
    response = browser.post("/account/profile", {"language": "en", "timezone": ""})
    assert response.status_code == 302
    assert fresh(user).timezone is None
    assert "Your profile is saved." in text(browser.get("/account/profile"))


def test_saving_without_changes_records_nothing(db, login_as, make_user):
    user = make_user(Role.STAFF)
    browser = login_as(user)
    response = browser.post("/account/profile", {"language": "en", "timezone": ""})
    assert response.status_code == 302
    assert "Nothing was changed in your profile." in text(browser.get("/account/profile"))
    assert profile_events() == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"language": "fr", "timezone": ""}, "language", "Choose one of the languages offered."),
        ({"language": "", "timezone": ""}, "language", "Choose one of the languages offered."),
        (
            {"language": "de", "timezone": "Mars/Olympus_Mons"},
            "timezone",
            "Choose a time zone from the list.",
        ),
        ({"language": "de", "timezone": "../etc/passwd"}, "timezone", "Choose a time zone"),
    ],
)
def test_bad_input_gets_a_message_at_the_field_and_writes_nothing(
    db, login_as, make_user, data, field, message
):
    user = make_user(Role.STAFF)
    browser = login_as(user)
    response = browser.post("/account/profile", data)
    assert response.status_code == 200
    html = text(response)
    assert re.search(rf'<p class="error" id="{field}-error">{re.escape(message)}', html), html
    assert lang_of(html) == "en"
    saved = fresh(user)
    assert (saved.language, saved.timezone) == ("en", None)
    assert profile_events() == []


def test_the_profile_needs_csrf(db, login_as, make_user):
    user = make_user(Role.STAFF)
    browser = login_as(user)
    response = browser.client.post("/account/profile", data={"language": "de", "timezone": ""})
    assert response.status_code == 400
    assert fresh(user).language == "en"


def test_the_operation_refuses_what_the_form_would(db, app, make_user):
    from knowtrans.auth.operations import update_profile
    from knowtrans.core.errors import Refused

    user = make_user(Role.STAFF)
    with app.test_request_context():
        with pytest.raises(Refused) as refused:
            update_profile(user, language="xx", timezone=None)
        assert refused.value.field == "language"
        with pytest.raises(Refused) as refused:
            update_profile(user, language="de", timezone="Nowhere/Town")
        assert refused.value.field == "timezone"


# --- a German user's start page ------------------------------------------------------------


ENGLISH_ON_THE_START_PAGE = (
    "Skip to content",
    "Hello,",
    "Sign out",
    "Engagements to watch",
    "Engagements in handover",
    "Learners awaiting confirmation",
    "My engagements",
    "My assignments",
    "Planned end",
    "Readiness",
    "Record learning",
    "Manage users",
    "% ready",
    "at risk",
    "what the expert knows",
    "Password<",
    "Profile<",
)


def test_a_german_user_sees_the_start_page_in_german(
    db, login_as, make_user, make_engagement, make_plan_item, make_assignment
):
    user = german(make_user(Role.ADMIN, Role.CTO, Role.IT_LEAD, Role.STAFF, name="Greta"))
    engagement = make_engagement(end=today() + timedelta(days=10))  # to watch
    make_assignment(make_plan_item(engagement), user)
    html = text(login_as(user).get("/"))
    assert lang_of(html) == "de"
    assert "<title>Startseite · knowtrans</title>" in html
    assert "Guten Tag, Greta" in html
    for german_text in (
        "Zum Inhalt springen",
        "Einsätze im Blick",
        "Einsätze in der Übergabe",
        "Lernende, die auf Bestätigung warten",
        "Meine Zuordnungen",
        "Lernfortschritt erfassen",
        "Benutzer verwalten",
        "Geplantes Ende",
        "% bereit",
        "Abmelden",
        "Profil",
        "Passwort",
    ):
        assert german_text in html, german_text
    for english in ENGLISH_ON_THE_START_PAGE:
        assert english not in html, english


def test_a_german_user_gets_german_error_pages(db, login_as, make_user):
    browser = login_as(german(make_user(Role.STAFF)))
    response = browser.get("/no/such/page")
    assert response.status_code == 404
    html = text(response)
    assert "404 — Nicht gefunden" in html
    assert "Zurück zur Startseite" in html
    response = browser.get("/admin/users")
    assert response.status_code == 403
    assert "Nicht erlaubt" in text(response)


# --- messages made in Python ---------------------------------------------------------------


def test_the_write_budget_message_in_both_languages(app):
    three_a_minute = parse("3/minute")
    once_a_day = parse("1/day")
    with app.test_request_context():
        assert _message(three_a_minute, 30) == (
            "You have saved 3 times in one minute, the most knowtrans accepts from one person. "
            "Nothing was saved; try again in 30 seconds."
        )
        assert "try again in 1 second." in _message(three_a_minute, 1)
        assert "You have saved once in one day" in _message(once_a_day, 3600)
        assert "try again in 60 minutes." in _message(once_a_day, 3600)
        with force_locale("de"):
            assert _message(three_a_minute, 30) == (
                "Sie haben innerhalb von einer Minute 3-mal gespeichert – mehr nimmt knowtrans "
                "von einer Person nicht an. Es wurde nichts gespeichert; versuchen Sie es in "
                "30 Sekunden erneut."
            )
            assert "innerhalb von 10 Minuten einmal" in _message(parse("1/10 minutes"), 5)
            assert "in 60 Minuten erneut" in _message(once_a_day, 3600)


def test_the_conflict_headline_in_both_languages(app):
    saved_at = datetime(2026, 11, 27, 14, 15, tzinfo=UTC)
    with app.test_request_context():
        notice = ConflictNotice("skill", saved_by="Lena Lead", saved_at=saved_at)
        assert notice.headline.startswith("Lena Lead saved this skill on ")
        assert notice.headline.endswith(" while you were editing.")
        assert (
            ConflictNotice("engagement").headline
            == "Someone else saved this engagement while you were editing."
        )
        mine = ConflictNotice("learning entry", saved_at=saved_at, by_viewer=True)
        assert mine.headline.startswith("You saved this learning entry on ")
        with force_locale("de"):
            assert notice.headline == (
                "Lena Lead hat diese Kompetenz am 27.11.2026, 15:15 während Ihrer Bearbeitung "
                "gespeichert."
            )
            assert ConflictNotice("plan item").headline == (
                "Jemand anderes hat diesen Planpunkt während Ihrer Bearbeitung gespeichert."
            )
            assert mine.headline.startswith("Sie haben diesen Lerneintrag am 27.11.2026")


def test_the_conflict_headline_knows_a_translated_noun(app):
    """A view may name its object with the noun already translated."""
    with app.test_request_context(), force_locale("de"):
        translated = ConflictNotice(gettext("learning entry"))
        assert "diesen Lerneintrag" in translated.headline
        assert ConflictNotice("Ding").headline == (
            "Jemand anderes hat diesen Datensatz (Ding) während Ihrer Bearbeitung gespeichert."
        )
