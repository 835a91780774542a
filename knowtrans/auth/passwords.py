from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str, password: str) -> bool:
    """False for a wrong password and for an account without a usable hash."""
    try:
        return check_password_hash(password_hash, password)
    except ValueError:
        return False
