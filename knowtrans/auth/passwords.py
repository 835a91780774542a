import functools
import gzip
from pathlib import Path

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

#: the 20,000 most common passwords, as shipped with Django 5.2 for its CommonPasswordValidator
#: (BSD licence, see common-passwords.LICENSE.txt; list by Royce Williams,
#: https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce); lower case
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str, password: str) -> bool:
    """False for a wrong password and for an account without a usable hash."""
    try:
        return check_password_hash(password_hash, password)
    except ValueError:
        return False


@functools.cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())
