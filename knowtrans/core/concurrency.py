"""Optimistic locking: forms carry the version they were opened on; stale saves are refused."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from wtforms import HiddenField

from knowtrans.audit.models import AuditEvent
from knowtrans.auth.models import User
from knowtrans.core.urls import MAX_ID
from knowtrans.core.web import format_date
from knowtrans.extensions import db


class EditConflict(Exception):
    """The user edited an older version: someone else saved in between. Nothing was changed."""


def check_version(obj: db.Model, version: int | None) -> None:
    """Refuse an edit of ``obj`` made on another version than the one now stored.

    ``version`` is what the user's form was opened on (None when it could not be read). A save
    that slips in between this check and the UPDATE is caught by the models' version_id_col:
    the UPDATE matches no row and SQLAlchemy raises StaleDataError.
    """
    if version is None or version != obj.version:
        raise EditConflict()


def version_number(value: object) -> int | None:
    """A submitted version; anything that cannot be one is None."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None


class VersionField(HiddenField):
    """The version of the object the form was opened on, for optimistic locking.

    A missing or unreadable value is None, which matches no version: the save is refused as a
    conflict rather than made blindly.
    """

    def process_formdata(self, valuelist: list) -> None:
        self.data = version_number(valuelist[0]) if valuelist else None


@dataclass(frozen=True)
class ConflictNotice:
    """Who saved an object while the user was editing it, for the message above the form."""

    what: str
    saved_by: str | None = None
    saved_at: datetime | None = None
    by_viewer: bool = False
    summary: str = ""

    @property
    def headline(self) -> str:
        when = f" on {format_date(self.saved_at)}" if self.saved_at else ""
        if self.by_viewer:
            return f"You saved this {self.what}{when} in another tab, window or device."
        who = self.saved_by or "Someone else"
        return f"{who} saved this {self.what}{when} while you were editing."


def conflict_notice(obj: db.Model, what: str, *, viewer: User) -> ConflictNotice:
    """Name the latest change of ``obj`` from its audit trail ("someone else" without one).

    Creation events are skipped: a version only moves on updates, and a creation event
    would name the wrong person.
    """
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.object_type == obj.__tablename__,
            AuditEvent.object_id == obj.id,
            AuditEvent.action.not_like("%.create"),
        )
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(1)
    ).first()
    if event is None:
        return ConflictNotice(what)
    return ConflictNotice(
        what,
        saved_by=event.actor.name if event.actor else None,
        saved_at=event.created_at,
        by_viewer=event.actor_id is not None and event.actor_id == viewer.id,
        summary=event.summary,
    )
