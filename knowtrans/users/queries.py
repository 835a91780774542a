"""Reads of the user administration."""

import sqlalchemy as sa

from knowtrans.core.search import contains
from knowtrans.users.models import Role, User, UserRole


def accounts(applied: dict[str, str]) -> sa.Select:
    """The users matching the list's filters (``q``, ``role``, ``active``), by name."""
    query = sa.select(User).order_by(sa.func.lower(User.name), User.id)
    if "q" in applied:
        query = query.where(contains(applied["q"], User.name, User.email))
    if "role" in applied:
        query = query.where(User.role_rows.any(UserRole.role == Role(applied["role"])))
    if "active" in applied:
        query = query.where(User.active.is_(applied["active"] == "1"))
    return query
