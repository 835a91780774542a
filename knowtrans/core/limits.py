"""How fast one person may write: a budget of saves per user (learning entries, questions,
confirmations and their comments, handover notes, hiding entries).

A script that saves thousands of entries would bury an engagement: its pages, its report, its
closing. The budget (``WRITE_LIMIT_PER_USER``) is counted by the rate limiter's storage
(``RATELIMIT_STORAGE_URI``), so every worker and host shares it, and only saves that pass
validation use it up.
"""

import math
import time

from flask import Flask, Response, current_app, g
from flask_babel import gettext as _
from flask_babel import ngettext, npgettext
from flask_wtf import FlaskForm
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from knowtrans.core.db import HasId as User
from knowtrans.extensions import limiter

#: the limiter's key prefix for write budgets
SCOPE = "user-writes"


class WriteLimitReached(TooManyRequests):
    """A POST button's save over the budget: the 429 page says so (see ``require_budget``)."""

    show_description = True

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)


def _write_limits() -> list[RateLimitItem]:
    return parse_many(current_app.config["WRITE_LIMIT_PER_USER"])


def _spend(user: User) -> tuple[str, int] | None:
    """Count one save; None when within every limit, else the message and seconds to wait.

    Every limit is tested before any is counted: a save refused by the daily limit does not
    use up the minute's."""
    strategy = limiter.limiter
    limits = _write_limits()
    for item in limits:
        if not strategy.test(item, SCOPE, str(user.id)):
            reset_at, _remaining = strategy.get_window_stats(item, SCOPE, str(user.id))
            wait = max(1, math.ceil(reset_at - time.time()))
            return _message(item, wait), wait
    for item in limits:
        strategy.hit(item, SCOPE, str(user.id))
    return None


def _period(item: RateLimitItem) -> str:
    """The limit's window, as the budget message names it: one minute, 10 minutes …"""
    n = item.multiples
    unit = item.GRANULARITY.name
    if unit == "second":
        return npgettext("write limit window", "one second", "%(num)d seconds", n)
    if unit == "minute":
        return npgettext("write limit window", "one minute", "%(num)d minutes", n)
    if unit == "hour":
        return npgettext("write limit window", "one hour", "%(num)d hours", n)
    if unit == "day":
        return npgettext("write limit window", "one day", "%(num)d days", n)
    if unit == "month":
        return npgettext("write limit window", "one month", "%(num)d months", n)
    return npgettext("write limit window", "one year", "%(num)d years", n)


def _message(item: RateLimitItem, wait: int) -> str:
    if wait < 120:
        when = npgettext("write limit wait", "%(num)d second", "%(num)d seconds", wait)
    else:
        minutes = math.ceil(wait / 60)
        when = npgettext("write limit wait", "%(num)d minute", "%(num)d minutes", minutes)
    times = ngettext("once", "%(num)d times", item.amount)
    return _(
        "You have saved %(times)s in %(period)s, the most knowtrans accepts from one person. "
        "Nothing was saved; try again in %(when)s.",
        times=times,
        period=_period(item),
        when=when,
    )


def write_allowed(user: User, form: FlaskForm) -> bool:
    """Count a save of ``form``; over the budget the form says why above its fields (what the
    user typed stays) and the response becomes a 429 with ``Retry-After``."""
    refusal = _spend(user)
    if refusal is None:
        return True
    message, wait = refusal
    form.form_errors.append(message)
    g.write_limit_retry_after = wait
    return False


def require_budget(user: User) -> None:
    """Count a save made with a button (no text to keep); over the budget, a 429 page."""
    refusal = _spend(user)
    if refusal is not None:
        raise WriteLimitReached(*refusal)


def _limited_response(response: Response) -> Response:
    wait = g.pop("write_limit_retry_after", None)
    if wait is not None:
        response.status_code = 429
        response.headers["Retry-After"] = str(wait)
    return response


def init_limits(app: Flask) -> None:
    app.after_request(_limited_response)
