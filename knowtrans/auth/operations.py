"""Sign-in and the user's own password change. Each function flushes; the request pipeline
commits."""

import sqlalchemy as sa

from knowtrans.audit.operations import record_event
from knowtrans.extensions import db
from knowtrans.users.models import User
from knowtrans.users.operations import normalise_email, rehash_password, set_password
from knowtrans.users.passwords import dummy_hash, needs_rehash, verify_password


class WrongPassword(Exception):
    """The current password given to change it is not the user's; the message is for them."""


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
            rehash_password(user, password)
        return user
    record_event(
        None,
        "auth.login_failed",
        user,
        f"Failed sign-in for {email} from {remote_addr}",
        object_type="users",
    )
    return None


def change_own_password(
    user: User, current_password: str, new_password: str, *, remote_addr: str | None
) -> User:
    """Set ``user``'s new password if ``current_password`` is theirs.

    A wrong current password is recorded as an audit event and raises :class:`WrongPassword`
    (not a ``Refused``: the request goes on and commits the event); a new password the rule
    refuses raises ``PasswordRefused``.
    """
    if not verify_password(user.password_hash, current_password):
        record_event(
            user,
            "auth.password_change_failed",
            user,
            f"Wrong current password for {user.email} from {remote_addr}",
        )
        raise WrongPassword("This is not your current password.")
    return set_password(user, new_password, actor=user)
