"""Writes on user accounts. Each function flushes; the caller commits."""

from collections.abc import Iterable

import sqlalchemy as sa

from knowtrans.audit.operations import record_event
from knowtrans.auth.models import Role, User, UserKind, UserRole
from knowtrans.auth.passwords import hash_password
from knowtrans.extensions import db


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_taken(email: str, *, exclude_id: int | None = None) -> bool:
    query = sa.select(User.id).where(User.email == normalise_email(email))
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db.session.execute(query).first() is not None


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
    before = _roles_text(user)
    user.email = normalise_email(email)
    user.name = name.strip()
    user.kind = kind
    wanted = set(roles)
    user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
        UserRole(role=role) for role in sorted(wanted - user.roles)
    ]
    after = _roles_text(user)
    summary = f"Updated {user.email}"
    if before != after:
        summary += f"; roles {before} → {after}"
    record_event(actor, "user.update", user, summary)
    return user


def set_active(user: User, active: bool, *, actor: User) -> User:
    user.active = active
    verb = "activate" if active else "deactivate"
    record_event(actor, f"user.{verb}", user, f"{verb.capitalize()}d {user.email}")
    return user


def set_password(user: User, password: str, *, actor: User | None) -> User:
    user.password_hash = hash_password(password)
    record_event(actor, "user.password_reset", user, f"Password set for {user.email}")
    return user


def _roles_text(user: User) -> str:
    return ", ".join(role.value for role in Role if role in user.roles) or "no role"
