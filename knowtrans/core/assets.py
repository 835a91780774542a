"""Static files: cached for a long time, under URLs that change when their content does."""

import hashlib
import os

from flask import Flask
from werkzeug.security import safe_join

#: absolute path → ((modification time, size), content hash); a changed file is hashed anew
_versions: dict[str, tuple[tuple[int, int], str]] = {}


def static_version(folder: str, filename: str) -> str | None:
    """A short hash of the file's content, or None when there is no such file.

    The content, not the modification time, so every host of a deployment gives the same URL.
    """
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _versions.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    with open(path, "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()[:12]
    _versions[path] = (key, digest)
    return digest


def init_assets(app: Flask) -> None:
    """``url_for('static', filename=…)`` adds ``?v=<hash>``: browsers and shared caches keep a
    file for SEND_FILE_MAX_AGE_DEFAULT, and a new version of it has a new URL."""

    @app.url_defaults
    def versioned_static_url(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "v" in values or app.static_folder is None:
            return
        if version := static_version(app.static_folder, values.get("filename", "")):
            values["v"] = version
