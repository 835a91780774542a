"""Writes on user accounts. Each function enforces its rules (raising ``Refused``) and
flushes; the request pipeline (or the command) commits.

``User.version`` guards what the admin's edit form changes (email, name, kind, roles). The
password, the sessions and whether the account is active are written by ``_write_account``,
which leaves the version alone: a user signing in or out, or changing their password, does
not turn an admin's open edit form into a conflict.
"""

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

import sqlalchemy as sa
from flask import current_app

from knowtrans.audit.operations import record_event
from knowtrans.core.concurrency import check_version
from knowtrans.core.errors import Refused
from knowtrans.core.integrity import unique_or_refused
from knowtrans.extensions import db
from knowtrans.users.models import Role, User, UserKind, UserRole
from knowtrans.users.passwords import common_passwords, hash_password

#: longer passphrases are welcome, but hashing megabytes is not
PASSWORD_MAX_LENGTH = 256

DUPLICATE_EMAIL = "A user with this email exists already."
NO_ROLE = "Choose at least one role."
OWN_ADMIN_ROLE = "You cannot remove your own Admin role; another admin has to do that."
OWN_DEACTIVATION = "You cannot deactivate your own account; another admin has to do that."


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_taken(email: str, *, exclude_id: int | None = None) -> bool:
    query = sa.select(User.id).where(User.email == normalise_email(email))
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db.session.execute(query).first() is not None


class PasswordRefused(Refused):
    """A password the password rule refuses; the message says why and how to do better."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="password")


def _counted_length(password: str) -> int:
    """Characters that count: not spaces at the ends, repeated spaces or invisible ones."""
    return sum(1 for char in " ".join(password.split()) if char.isprintable())


def password_problem(
    password: str, *, email: str | None = None, name: str | None = None
) -> str | None:
    """Why ``password`` is refused, or None: the one rule for every path that sets one.

    Long enough, not too long, not a common password, not the user's email address or name.
    No composition rules: length is what makes a password hard to guess.
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Too long: at most {PASSWORD_MAX_LENGTH} characters."
    if _counted_length(password) < minimum:
        return (
            f"Too short: a password needs at least {minimum} characters; spaces at the ends "
            "and repeated spaces do not count. Length is what makes it hard to guess; "
            "a few unrelated words work well."
        )
    if _is_common(password):
        return (
            "Too common: this password is on a list of the passwords people use most, "
            "which attackers try first. A few unrelated words work well."
        )
    if _too_close_to(password, email=email, name=name):
        return (
            "Too close to the email address or the name: someone who knows them would try "
            "it early. A few unrelated words work well."
        )
    return None


def check_password(password: str, *, email: str | None = None, name: str | None = None) -> None:
    """Raise :class:`PasswordRefused` unless the password rule accepts ``password``."""
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise PasswordRefused(problem)


def _is_common(password: str) -> bool:
    common = common_passwords()
    text = " ".join(password.split()).casefold()
    return text in common or text.replace(" ", "") in common


#: similarity from which a password counts as the user's email or name (as Django's
#: UserAttributeSimilarityValidator: difflib's ratio, 0 unrelated … 1 the same)
MAX_SIMILARITY = 0.7
#: a local part this long is a guess worth trying even inside a longer password
LOCAL_PART_MATTERS = 6


def _too_close_to(password: str, *, email: str | None, name: str | None) -> bool:
    text = " ".join(password.split()).casefold()
    values: list[str] = []
    if email:
        email = normalise_email(email)
        local_part = email.partition("@")[0]
        if email in text or (len(local_part) >= LOCAL_PART_MATTERS and local_part in text):
            return True
        values += [email, local_part]
    if name:
        values.append(" ".join(name.split()).casefold())
    parts = {part for value in values for part in [value, *re.split(r"\W+", value)] if part}
    return any(SequenceMatcher(a=text, b=part).ratio() >= MAX_SIMILARITY for part in parts)


def role_conflict(kind: UserKind, roles: Iterable[Role]) -> str | None:
    """Why this kind of user cannot hold these roles, or None."""
    if kind is UserKind.EXTERNAL and Role.STAFF in set(roles):
        return (
            "An external expert cannot hold the Staff role: learners must be internal staff. "
            "Make the user internal or remove the Staff role."
        )
    return None


def check_roles(kind: UserKind, roles: Iterable[Role]) -> None:
    """Refuse a user without a role, or with roles their kind cannot hold."""
    roles = set(roles)
    if not roles:
        raise Refused(NO_ROLE, field="roles")
    if conflict := role_conflict(kind, roles):
        raise Refused(conflict, field="roles")


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    roles: Iterable[Role],
    kind: UserKind = UserKind.INTERNAL,
    actor: User | None = None,
    password_hash: str | None = None,
) -> User:
    """Create an account with ``password`` (checked by the password rule) or a ready hash.

    Raises ``Refused`` for roles the rules do not allow or an email address taken already,
    ``PasswordRefused`` for a password the rule refuses.
    """
    roles = {Role(role) for role in roles}
    check_roles(kind, roles)
    if password_hash is None:
        check_password(password, email=email, name=name)
        password_hash = hash_password(password)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=password_hash,
        kind=kind,
        active=True,
    )
    user.role_rows = [UserRole(role=role) for role in sorted(roles)]
    with unique_or_refused(DUPLICATE_EMAIL, field="email"):
        db.session.add(user)
    record_event(actor, "user.create", user, f"Created {user.email} ({_roles_text(user)})")
    return user


def update_user(
    user: User,
    *,
    email: str,
    name: str,
    roles: Iterable[Role],
    kind: UserKind,
    version: int | None,
    actor: User,
) -> list[str]:
    """Apply the edit made on the user's ``version``; returns what changed (nothing, and no
    audit event, for a save without changes).

    Raises EditConflict when someone else saved the user in between, ``Refused`` for roles the
    rules do not allow (an admin never removes their own Admin role) or an email address
    another user has.
    """
    check_version(user, version)
    wanted = set(roles)
    check_roles(kind, wanted)
    if user.id == actor.id and Role.ADMIN in user.roles and Role.ADMIN not in wanted:
        raise Refused(OWN_ADMIN_ROLE, field="roles")
    before = {"email": user.email, "name": user.name, "kind": user.kind.value}
    roles_before = _roles_text(user)
    with unique_or_refused(DUPLICATE_EMAIL, field="email"):
        user.email = normalise_email(email)
        user.name = name.strip()
        user.kind = kind
        user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
            UserRole(role=role) for role in sorted(wanted - user.roles)
        ]
        if _roles_text(user) != roles_before:
            # the roles are rows of their own table: changing them is a new version of the user
            user.version += 1
    after = {"email": user.email, "name": user.name, "kind": user.kind.value}
    changes = [f"{key} {before[key]} → {after[key]}" for key in before if before[key] != after[key]]
    roles_after = _roles_text(user)
    if roles_before != roles_after:
        changes.append(f"roles {roles_before} → {roles_after}")
    if changes:
        record_event(actor, "user.update", user, f"Updated {user.email}: " + "; ".join(changes))
    if roles_before != roles_after:
        record_event(
            actor, "user.roles", user, f"Roles of {user.email}: {roles_before} → {roles_after}"
        )
    return changes


def set_active(user: User, active: bool, *, actor: User) -> bool:
    """Activate or deactivate the account; deactivating ends its sessions. Returns False (and
    records nothing) when it is so already; an admin never deactivates their own account."""
    if not active and user.id == actor.id:
        raise Refused(OWN_DEACTIVATION)
    if user.active == active:
        return False
    if active:
        _write_account(user, active=True)
    else:
        _write_account(user, active=False, session_version=_next_session_version(user))
    verb = "activate" if active else "deactivate"
    record_event(actor, f"user.{verb}", user, f"{verb.capitalize()}d {user.email}")
    return True


def end_sessions(user: User) -> None:
    """Sign the user out everywhere at their next request."""
    _write_account(user, session_version=_next_session_version(user))


def rehash_password(user: User, password: str) -> None:
    """Store ``password`` (just verified) with the current hash method."""
    _write_account(user, password_hash=hash_password(password))


def set_password(user: User, password: str, *, actor: User | None) -> User:
    """Set a new password; every session of the user ends (the caller may start a new one)."""
    check_password(password, email=user.email, name=user.name)
    _write_account(
        user,
        password_hash=hash_password(password),
        session_version=_next_session_version(user),
    )
    if actor is not None and actor.id == user.id:
        record_event(actor, "user.password_change", user, f"{user.email} changed their password")
    else:
        record_event(actor, "user.password_reset", user, f"Password set for {user.email}")
    return user


def _next_session_version(user: User) -> int:
    return (user.session_version or 1) + 1


def _write_account(user: User, **values: object) -> None:
    """Write the password, the sessions or whether the account is active, leaving
    ``user.version`` alone (an UPDATE statement, not a change of the object that the version
    counts); ``user`` takes the new values as stored."""
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(**values),
        execution_options={"synchronize_session": "evaluate"},
    )


def _roles_text(user: User) -> str:
    return ", ".join(role.value for role in Role if role in user.roles) or "no role"
