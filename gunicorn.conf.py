"""gunicorn settings for `make serve`; every value can be overridden from the environment."""

import multiprocessing
import os
from collections.abc import Mapping

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("WEB_THREADS", 1))
# no request builds a report (the task queue does): a request that takes 30 s is broken
timeout = int(os.environ.get("WEB_TIMEOUT", 30))
# one line per request on stdout; no cookies, no headers, no bodies
accesslog = "-"  # stdout
errorlog = "/dev/stdout"  # everything on stdout, for the platform to collect
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

# Forwarded headers are believed in one place, the app: TRUSTED_PROXIES puts werkzeug's
# ProxyFix in front of it (knowtrans.core.security). gunicorn itself believes none unless
# FORWARDED_ALLOW_IPS names the proxies' addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")

# gunicorn answers requests over these limits itself (414, 431, 400), before the app, so
# without the app's security headers: the reverse proxy adds them (README, production).
# 8190 bytes, gunicorn's maximum, hold the longest URL the app makes: a filtered, paginated
# list, or the sign-in redirect that carries the page asked for in ?next=.
limit_request_line = int(os.environ.get("LIMIT_REQUEST_LINE", 8190))
# browsers send about twenty header fields and proxies add a few; 100 leaves room for more
limit_request_fields = int(os.environ.get("LIMIT_REQUEST_FIELDS", 100))
# one field, the Cookie header included: the session cookie stays well under 4 KB
limit_request_field_size = int(os.environ.get("LIMIT_REQUEST_FIELD_SIZE", 8190))


def rate_limit_warning(environ: Mapping[str, str], workers: int) -> str | None:
    """Why sign-in throttling is weaker than configured, or None.

    With memory:// every worker keeps its own counts, so n workers allow n times the limits.
    """
    storage = environ.get("RATELIMIT_STORAGE_URI", "memory://")
    if environ.get("KNOWTRANS_ENV") != "production" or workers < 2:
        return None
    if not storage.startswith("memory://"):
        return None
    return (
        f"RATELIMIT_STORAGE_URI is {storage}: each of the {workers} workers counts failed "
        f"sign-ins and each user's saves on its own, so the limits allow {workers} times as "
        "many. Set RATELIMIT_STORAGE_URI=redis://… to share the counts."
    )


def on_starting(server) -> None:
    if warning := rate_limit_warning(os.environ, server.cfg.workers):
        server.log.warning(warning)
