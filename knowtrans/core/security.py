"""Response headers every page carries, and what caches may keep."""

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS_MAX_AGE = 365 * 24 * 60 * 60


def security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["HSTS"]:
        headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}")
    return response


def is_static_file(response: Response) -> bool:
    return request.endpoint == "static" and response.status_code < 400


def cache_headers(response: Response) -> Response:
    """Nothing but static files is stored by a browser or a shared cache.

    Pages name the signed-in user and carry a CSRF token; the back button or a proxy must not
    show them to the next person at the same computer or behind the same proxy. Static files
    keep their long max-age (SEND_FILE_MAX_AGE_DEFAULT); their URLs carry their content's hash.
    """
    if is_static_file(response):
        if "v" in request.args:
            response.cache_control.immutable = True
    elif not response.cache_control.no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions that leave static files alone: no session cookie and no
    ``Vary: Cookie`` on a response that shared caches keep and hand to anyone."""

    def save_session(self, app: Flask, session, response: Response) -> None:
        if request.endpoint != "static":
            super().save_session(app, session, response)


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address and the scheme from
    the values the nearest of them appended to X-Forwarded-For and X-Forwarded-Proto.

    The address is what sign-in throttling counts per client and what the audit log names;
    without this, every client would be the proxy. Only as many values as there are proxies
    are believed, so a client cannot pass itself off as another address. X-Forwarded-Host and
    -Prefix are not believed: the proxy passes the Host header on, and nothing is mounted
    below a prefix.
    """
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies < 0:
        raise RuntimeError(f"TRUSTED_PROXIES={proxies}: give the number of proxies, 0 for none.")
    if proxies:
        # Flask documents wrapping wsgi_app with a middleware; mypy sees a method
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies
        )


def init_security(app: Flask) -> None:
    trust_proxies(app)
    app.session_interface = SessionInterface()
    app.after_request(security_headers)
    app.after_request(cache_headers)
