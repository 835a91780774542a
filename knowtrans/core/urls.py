"""URL converters, and which redirect targets are safe."""

from urllib.parse import urlsplit

from flask import request
from werkzeug.routing import IntegerConverter

#: the largest id an integer primary key holds on every supported database
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in this app: an id beyond what the database can hold is a 404, not a 500."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def safe_next(target: str | None) -> str | None:
    """Only a local path: no scheme, no host, no ``//`` or ``/\\`` tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target


def next_or(default: str) -> str:
    """Where a page goes back to: the safe ``?next=`` it was opened with (a filtered list,
    say), else ``default``."""
    return safe_next(request.args.get("next")) or default


def local_referrer() -> str | None:
    """The page the request came from, when it is one of this site's: path and query only."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != request.host:
        return None
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
