"""User accounts: who someone is, their roles and kind, and the state of their sessions."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowtrans.core.changes import COMPANY
from knowtrans.core.db import UTCDateTime, enum_type, utcnow
from knowtrans.extensions import Model


class Role(enum.StrEnum):
    ADMIN = "admin"
    CTO = "cto"
    IT_LEAD = "it_lead"
    STAFF = "staff"
    EXPERT = "expert"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


class UserKind(enum.StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Admin"),
    Role.CTO: _l("CTO"),
    Role.IT_LEAD: _l("IT lead"),
    Role.STAFF: _l("Staff"),
    Role.EXPERT: _l("Expert"),
}
KIND_LABELS = {
    UserKind.INTERNAL: _l("Internal staff"),
    UserKind.EXTERNAL: _l("External expert"),
}


class UserRole(Model):
    __tablename__ = "user_roles"
    __changes__ = COMPANY

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role), primary_key=True)


class User(UserMixin, Model):
    __tablename__ = "users"
    __changes__ = COMPANY

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored lower-cased, so uniqueness is case-insensitive
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    kind: Mapped[UserKind] = mapped_column(enum_type(UserKind), default=UserKind.INTERNAL)
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    #: an IANA time zone (Europe/Berlin); None: the company's, KNOWTRANS_DEFAULT_TIMEZONE
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the latest successful sign-in (``auth.operations.authenticate``); None: none recorded
    #: (never signed in, or not since the column was added)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: part of every session's user id; raising it (``users.operations.end_sessions``) ends
    #: all the user's sessions
    session_version: Mapped[int] = mapped_column(default=1)
    #: optimistic locking of what the admin's edit form changes: email, name, kind, roles,
    #: language and time zone (see Engagement.version). The password, the sessions, whether
    #: the account is active and the last sign-in change without moving it
    #: (``knowtrans.users.operations``, ``knowtrans.auth.operations``): a user's sign-in,
    #: sign-out or new password does not make an admin's open edit form a conflict.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """The session's user id: id and session version, so old sessions stop matching."""
        return f"{self.id}:{self.session_version}"

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_internal(self) -> bool:
        return self.kind is UserKind.INTERNAL

    @property
    def role_labels(self) -> list[str]:
        return [role.label for role in Role if role in self.roles]
