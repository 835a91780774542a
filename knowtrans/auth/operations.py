"""Sign-in and the user's own password, language and time zone. Each function flushes; the
request pipeline commits."""

from typing import cast

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from knowtrans.audit.operations import record_event
from knowtrans.core.clock import utcnow
from knowtrans.core.errors import Refused
from knowtrans.core.i18n import is_language, is_timezone
from knowtrans.extensions import db
from knowtrans.users.models import User
from knowtrans.users.operations import normalise_email, rehash_password, set_password
from knowtrans.users.passwords import dummy_hash, needs_rehash, verify_password

UNKNOWN_LANGUAGE = _l("Choose one of the languages offered.")
UNKNOWN_TIMEZONE = _l("Choose a time zone from the list.")


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
        record_sign_in(user)
        return user
    record_event(
        None,
        "auth.login_failed",
        user,
        _("Failed sign-in for %(email)s from %(address)s", email=email, address=remote_addr),
        object_type="users",
    )
    return None


def record_sign_in(user: User) -> None:
    """Note the time of a successful sign-in in ``User.last_login_at``.

    A statement on the table, not a change of the object: it moves neither ``User.version``
    (a sign-in does not make an admin's open edit form a conflict) nor the shared data's
    change counter (``knowtrans.core.changes``; nothing derived from the data, such as a
    cached engagement page or a draft report, reads the last sign-in, and a counter raised at
    every sign-in would make those caches useless).
    """
    now = utcnow()
    users = cast("sa.Table", User.__table__)
    db.session.execute(sa.update(users).where(users.c.id == user.id).values(last_login_at=now))
    set_committed_value(user, "last_login_at", now)


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
            _(
                "Wrong current password for %(email)s from %(address)s",
                email=user.email,
                address=remote_addr,
            ),
        )
        raise WrongPassword(_("This is not your current password."))
    return set_password(user, new_password, actor=user)


def update_profile(user: User, *, language: str, timezone: str | None) -> list[str]:
    """Set the user's own language and time zone (``None`` or empty: the company's,
    KNOWTRANS_DEFAULT_TIMEZONE); returns what changed (nothing, and no audit event, for a
    save without changes).

    Raises ``Refused`` at the field for a language knowtrans does not speak or a time zone
    that is not one. Like the password, these are the user's own settings: written past
    ``User.version``, which guards what the admin's edit form changes, so a user choosing a
    language does not turn an admin's open edit form into a conflict; the last save wins.
    """
    if not is_language(language):
        raise Refused(str(UNKNOWN_LANGUAGE), field="language")
    timezone = timezone or None
    if timezone is not None and not is_timezone(timezone):
        raise Refused(str(UNKNOWN_TIMEZONE), field="timezone")
    changes = []
    if language != user.language:
        changes.append(_("language %(before)s → %(after)s", before=user.language, after=language))
    if timezone != user.timezone:
        company = _("company default")
        changes.append(
            _(
                "time zone %(before)s → %(after)s",
                before=user.timezone or company,
                after=timezone or company,
            )
        )
    if not changes:
        return []
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(language=language, timezone=timezone),
        execution_options={"synchronize_session": "evaluate"},
    )
    record_event(
        user,
        "user.profile",
        user,
        _(
            "%(email)s changed their profile: %(changes)s",
            email=user.email,
            changes="; ".join(changes),
        ),
    )
    return changes
