"""Signing in. Each function flushes; the caller commits."""

import sqlalchemy as sa

from knowtrans.audit.operations import record_event
from knowtrans.auth.models import User
from knowtrans.auth.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from knowtrans.extensions import db
from knowtrans.users.operations import normalise_email


def authenticate(email: str, password: str, *, remote_addr: str | None) -> User | None:
    """The active user with this email address and password, or None.

    Every attempt costs one verification with the current hash method, whether the address is
    unknown, the account inactive or without a usable hash, or the password wrong or right,
    so the time of an answer does not tell which addresses have an account. A failure is
    recorded as an audit event.
    """
    dummy = dummy_hash()  # made by the first attempt in a process, whatever its outcome
    email = normalise_email(email)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        verify_password(dummy, password)
    elif verify_password(user.password_hash, password) and user.active:
        if needs_rehash(user.password_hash):  # an older or cheaper method: bring it up to date
            user.password_hash = hash_password(password)
        return user
    record_event(
        None,
        "auth.login_failed",
        user,
        f"Failed sign-in for {email} from {remote_addr}",
        object_type="users",
    )
    return None
