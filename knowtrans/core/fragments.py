"""Rendered parts of pages, kept per process while the data they show is unchanged.

A part is stored under a key its caller builds from everything it depends on: the change
counters of its data (``knowtrans.core.changes``), the day, and who is looking (their
rights decide which links and buttons it holds). A write raises a counter, so the next
request misses and renders afresh; nothing is ever invalidated by hand.

A part may hold forms: their CSRF token (one per session) is stored as a marker and the
asking session's token put in its place. Each process keeps its own parts (a restart with
new templates starts empty), at most ``FRAGMENT_CACHE_MB`` of text.
"""

import threading
from collections import OrderedDict
from collections.abc import Hashable

from flask import current_app
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

#: stands for the session's CSRF token in a stored part; no token contains it
TOKEN_MARKER = "\x00csrf\x00"


class FragmentCache:
    """Least recently used parts up to ``limit`` characters in all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._parts: OrderedDict[Hashable, str] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            part = self._parts.get(key)
            if part is not None:
                self._parts.move_to_end(key)
            return part

    def put(self, key: Hashable, part: str) -> None:
        if len(part) > self.limit:  # also: a limit of 0 keeps nothing
            return
        with self._lock:
            old = self._parts.pop(key, None)
            self._size -= len(old) if old is not None else 0
            self._parts[key] = part
            self._size += len(part)
            while self._size > self.limit:
                _, dropped = self._parts.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._parts)


def cache() -> FragmentCache:
    """The app's cache in this process (made by ``init_fragments``)."""
    return current_app.extensions["knowtrans.fragments"]


def init_fragments(app) -> None:
    megabytes = app.config["FRAGMENT_CACHE_MB"]
    app.extensions["knowtrans.fragments"] = FragmentCache(int(megabytes * 1024 * 1024))


def lookup(key: Hashable) -> Markup | None:
    """The part stored under ``key``, with this session's CSRF token; None when it is not
    stored (or ``FRAGMENT_CACHE_MB`` is 0)."""
    stored = cache().get(key)
    if stored is None:
        return None
    return Markup(stored.replace(TOKEN_MARKER, generate_csrf()))  # rendered by Jinja, escaped


def store(key: Hashable, part: str) -> Markup:
    """Keep ``part`` (rendered by Jinja, escaped) under ``key``; returns it as markup."""
    cache().put(key, part.replace(generate_csrf(), TOKEN_MARKER))
    return Markup(part)  # rendered by Jinja, escaped
