"""Languages and time zones: which one a request speaks, and Flask-Babel set up to follow it.

A signed-in person's own choice (``User.language``, ``User.timezone``) wins; a signed-out
page follows the language picked with the switch on the sign-in page, else the browser's
``Accept-Language``, else English. Time zones come from the user, else
``KNOWTRANS_DEFAULT_TIMEZONE``. Stored times stay UTC; only what is shown is converted.

Work outside a request (jobs, commands) speaks the app's default language unless it says
otherwise with ``speaking(language, timezone)``: a report is written in the language of the
person who asked for it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import available_timezones

from flask import Flask, g, has_request_context, request, session
from flask_babel import force_locale, get_locale
from flask_login import current_user

from knowtrans.extensions import babel

#: the languages knowtrans speaks, by code, each named in its own language
LANGUAGES = {"en": "English", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"
#: the session key of a signed-out person's choice
SESSION_KEY = "language"


def language_choices() -> list[tuple[str, str]]:
    return list(LANGUAGES.items())


def is_language(code: str | None) -> bool:
    return code in LANGUAGES


def is_timezone(name: str | None) -> bool:
    return bool(name) and name in _timezones()


def _timezones() -> frozenset[str]:
    if not hasattr(_timezones, "names"):
        _timezones.names = frozenset(available_timezones())  # type: ignore[attr-defined]
    return _timezones.names  # type: ignore[attr-defined]


def timezone_choices() -> list[str]:
    """Every IANA zone with a region (Europe/Berlin), and UTC, sorted."""
    return ["UTC", *sorted(name for name in _timezones() if "/" in name and name[0].isupper())]


def select_locale() -> str:
    if has_request_context():
        user = current_user
        if user and user.is_authenticated and is_language(user.language):
            return user.language
        chosen = session.get(SESSION_KEY)
        if is_language(chosen):
            return str(chosen)
        return str(request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE)
    return DEFAULT_LANGUAGE


def select_timezone() -> str | None:
    if has_request_context():
        user = current_user
        if user and user.is_authenticated and is_timezone(user.timezone):
            return user.timezone
    return None  # BABEL_DEFAULT_TIMEZONE: KNOWTRANS_DEFAULT_TIMEZONE


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


@contextmanager
def speaking(language: str | None, timezone: str | None = None) -> Iterator[None]:
    """Translate and format in ``language`` and ``timezone`` inside the block: a job or a
    command writing for a person (a report, an e-mail). Needs an app context."""
    import pytz

    g.setdefault("speaking", True)  # Flask-Babel keeps its state only on a g that holds some
    ctx = _babel_state()
    saved_zone = getattr(ctx, "babel_tzinfo", None)
    with force_locale(language if is_language(language) else DEFAULT_LANGUAGE):
        if is_timezone(timezone):
            ctx.babel_tzinfo = pytz.timezone(timezone)
        try:
            yield
        finally:
            ctx.babel_tzinfo = saved_zone


def _babel_state():
    from flask_babel import _get_current_context

    return _get_current_context()


def init_i18n(app: Flask) -> None:
    zone = app.config.get("DEFAULT_TIMEZONE", "UTC")
    if not is_timezone(zone):
        raise RuntimeError(
            f"KNOWTRANS_DEFAULT_TIMEZONE={zone!r} is not a time zone (e.g. Europe/Berlin, UTC)"
        )
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config.get("DEFAULT_TIMEZONE", "UTC")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    @app.context_processor
    def languages() -> dict:
        return {"LANGUAGES": LANGUAGES, "current_language": current_language}
