"""Password hashes: made and checked with the configured method, at the same cost every time."""

import functools
import gzip
import secrets
from pathlib import Path

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

#: the 20,000 most common passwords, as shipped with Django 5.2 for its CommonPasswordValidator
#: (BSD licence, see common-passwords.LICENSE.txt; list by Royce Williams,
#: https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce); lower case
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(32), method=method)


def dummy_hash() -> str:
    """A hash of a secret nobody knows, made once per process with the current method."""
    return _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])


def hash_method(password_hash: str) -> str:
    """The method with its parameters, e.g. ``scrypt:131072:8:1``."""
    return password_hash.partition("$")[0]


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with another method or other parameters than the current."""
    return hash_method(password_hash) != hash_method(dummy_hash())


def verify_password(password_hash: str, password: str) -> bool:
    """Check ``password``; an account without a usable hash fails after the same work."""
    if password_hash.count("$") == 2:
        try:
            return check_password_hash(password_hash, password)
        except ValueError:  # an unknown method or malformed parameters: nothing was computed
            pass
    check_password_hash(dummy_hash(), password)
    return False


@functools.cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())
