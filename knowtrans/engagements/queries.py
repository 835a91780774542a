"""Reads for engagements: which ones a user may see, and loading by id."""

from typing import TypeVar

import sqlalchemy as sa
from flask import abort

from knowtrans import permissions
from knowtrans.auth.models import User
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db

M = TypeVar("M")


def get_or_404(model: type[M], object_id: int, *options) -> M:
    """Load by primary key or answer 404 (the URL converter already refuses ids beyond
    ``MAX_ID``).

    A query rather than ``Session.get``, so eager-loading ``options`` apply even when the
    object is already in the session.
    """
    query = sa.select(model).filter_by(id=object_id).options(*options)
    obj = db.session.execute(query).unique().scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj


def visible_engagements(user: User) -> sa.Select:
    """The engagements ``user`` may see, by the policy's own condition."""
    return sa.select(Engagement).where(permissions.visible_engagements_condition(user))


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
