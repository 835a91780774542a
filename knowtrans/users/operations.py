"""Writes on user accounts. Each function flushes; the caller commits."""

from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app

from knowtrans.audit.operations import record_event
from knowtrans.auth.models import Role, User, UserKind, UserRole
from knowtrans.auth.passwords import hash_password
from knowtrans.extensions import db

#: longer passphrases are welcome, but hashing megabytes is not
PASSWORD_MAX_LENGTH = 256


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_taken(email: str, *, exclude_id: int | None = None) -> bool:
    query = sa.select(User.id).where(User.email == normalise_email(email))
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db.session.execute(query).first() is not None


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused, or None. Only length counts: no composition rules."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return (
            f"Too short: a password needs at least {minimum} characters. "
            "Length is what makes it hard to guess; a few unrelated words work well."
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Too long: at most {PASSWORD_MAX_LENGTH} characters."
    return None


def role_conflict(kind: UserKind, roles: Iterable[Role]) -> str | None:
    """Why this kind of user cannot hold these roles, or None."""
    if kind is UserKind.EXTERNAL and Role.STAFF in set(roles):
        return (
            "An external expert cannot hold the Staff role: learners must be internal staff. "
            "Make the user internal or remove the Staff role."
        )
    return None


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
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=password_hash or hash_password(password),
        kind=kind,
        active=True,
    )
    user.role_rows = [UserRole(role=Role(role)) for role in sorted(set(roles))]
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
    actor: User,
) -> User:
    before = {"email": user.email, "name": user.name, "kind": user.kind.value}
    roles_before = _roles_text(user)
    user.email = normalise_email(email)
    user.name = name.strip()
    user.kind = kind
    wanted = set(roles)
    user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
        UserRole(role=role) for role in sorted(wanted - user.roles)
    ]
    after = {"email": user.email, "name": user.name, "kind": user.kind.value}
    changes = [f"{key} {before[key]} → {after[key]}" for key in before if before[key] != after[key]]
    roles_after = _roles_text(user)
    if roles_before != roles_after:
        changes.append(f"roles {roles_before} → {roles_after}")
    summary = f"Updated {user.email}"
    if changes:
        summary += ": " + "; ".join(changes)
    record_event(actor, "user.update", user, summary)
    if roles_before != roles_after:
        record_event(
            actor, "user.roles", user, f"Roles of {user.email}: {roles_before} → {roles_after}"
        )
    return user


def set_active(user: User, active: bool, *, actor: User) -> User:
    user.active = active
    if not active:
        user.end_sessions()
    verb = "activate" if active else "deactivate"
    record_event(actor, f"user.{verb}", user, f"{verb.capitalize()}d {user.email}")
    return user


def set_password(user: User, password: str, *, actor: User | None) -> User:
    """Set a new password; every session of the user ends (the caller may start a new one)."""
    user.password_hash = hash_password(password)
    user.end_sessions()
    if actor is not None and actor.id == user.id:
        record_event(actor, "user.password_change", user, f"{user.email} changed their password")
    else:
        record_event(actor, "user.password_reset", user, f"Password set for {user.email}")
    return user


def _roles_text(user: User) -> str:
    return ", ".join(role.value for role in Role if role in user.roles) or "no role"
