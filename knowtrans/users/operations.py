"""Writes on user accounts. Each function enforces its rules (raising ``Refused``) and
flushes; the request pipeline (or the command) commits.

``User.version`` guards what the admin's edit form changes (email, name, kind, roles, language,
time zone). The password, the sessions and whether the account is active are written by
``_write_account``, which leaves the version alone: a user signing in or out, or changing
their password, does not turn an admin's open edit form into a conflict.

Messages a person reads are translated when made (``gettext``): refusals in the language of
the request, audit summaries in that of the person who made the change.
"""

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from knowtrans.audit.operations import record_event
from knowtrans.core.concurrency import check_version
from knowtrans.core.errors import Refused
from knowtrans.core.i18n import DEFAULT_LANGUAGE, is_language, is_timezone
from knowtrans.core.integrity import unique_or_refused
from knowtrans.extensions import db
from knowtrans.users.models import Role, User, UserKind, UserRole
from knowtrans.users.passwords import common_passwords, hash_password

#: longer passphrases are welcome, but hashing megabytes is not
PASSWORD_MAX_LENGTH = 256


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue where it is defined; ``_(message)`` translates it
    where a person reads it."""
    return message


# the refusals' messages, in English; translated when raised
DUPLICATE_EMAIL = N_("A user with this email exists already.")
NO_ROLE = N_("Choose at least one role.")
OWN_ADMIN_ROLE = N_("You cannot remove your own Admin role; another admin has to do that.")
OWN_DEACTIVATION = N_("You cannot deactivate your own account; another admin has to do that.")
UNKNOWN_LANGUAGE = N_("Choose one of the languages offered.")
UNKNOWN_TIMEZONE = N_("Choose a time zone from the list, or the company's default.")


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
        return _("Too long: at most %(maximum)s characters.", maximum=PASSWORD_MAX_LENGTH)
    if _counted_length(password) < minimum:
        return _(
            "Too short: a password needs at least %(minimum)s characters; spaces at the ends "
            "and repeated spaces do not count. Length is what makes it hard to guess; "
            "a few unrelated words work well.",
            minimum=minimum,
        )
    if _is_common(password):
        return _(
            "Too common: this password is on a list of the passwords people use most, "
            "which attackers try first. A few unrelated words work well."
        )
    if _too_close_to(password, email=email, name=name):
        return _(
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
        return _(
            "An external expert cannot hold the Staff role: learners must be internal staff. "
            "Make the user internal or remove the Staff role."
        )
    return None


def check_roles(kind: UserKind, roles: Iterable[Role]) -> None:
    """Refuse a user without a role, or with roles their kind cannot hold."""
    roles = set(roles)
    if not roles:
        raise Refused(_(NO_ROLE), field="roles")
    if conflict := role_conflict(kind, roles):
        raise Refused(conflict, field="roles")


def check_language(language: str | None, timezone: str | None) -> None:
    """Refuse a language knowtrans does not speak, or a time zone it does not know (None is
    the company's default zone)."""
    if not is_language(language):
        raise Refused(_(UNKNOWN_LANGUAGE), field="language")
    if timezone is not None and not is_timezone(timezone):
        raise Refused(_(UNKNOWN_TIMEZONE), field="timezone")


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    roles: Iterable[Role],
    kind: UserKind = UserKind.INTERNAL,
    actor: User | None = None,
    password_hash: str | None = None,
    language: str = DEFAULT_LANGUAGE,
    timezone: str | None = None,
) -> User:
    """Create an account with ``password`` (checked by the password rule) or a ready hash,
    speaking ``language`` in ``timezone`` (None: the company's).

    Raises ``Refused`` for roles the rules do not allow, an email address taken already or an
    unknown language or time zone, ``PasswordRefused`` for a password the rule refuses.
    """
    roles = {Role(role) for role in roles}
    check_roles(kind, roles)
    check_language(language, timezone)
    if password_hash is None:
        check_password(password, email=email, name=name)
        password_hash = hash_password(password)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=password_hash,
        kind=kind,
        active=True,
        language=language,
        timezone=timezone,
    )
    user.role_rows = [UserRole(role=role) for role in sorted(roles)]
    with unique_or_refused(_(DUPLICATE_EMAIL), field="email"):
        db.session.add(user)
    summary = _("Created %(email)s (%(roles)s)", email=user.email, roles=_roles_text(user))
    record_event(actor, "user.create", user, summary)
    return user


class Unchanged:
    """The value of an argument left out: leave what is stored."""


UNCHANGED = Unchanged()


def update_user(
    user: User,
    *,
    email: str,
    name: str,
    roles: Iterable[Role],
    kind: UserKind,
    version: int | None,
    actor: User,
    language: str | None = None,
    timezone: str | Unchanged | None = UNCHANGED,
) -> list[str]:
    """Apply the edit made on the user's ``version``; returns what changed (nothing, and no
    audit event, for a save without changes). ``language`` None and ``timezone`` UNCHANGED
    leave them as they are; ``timezone`` None is the company's default zone.

    Raises EditConflict when someone else saved the user in between, ``Refused`` for roles the
    rules do not allow (an admin never removes their own Admin role), an email address
    another user has, or an unknown language or time zone.
    """
    check_version(user, version)
    wanted = set(roles)
    check_roles(kind, wanted)
    if user.id == actor.id and Role.ADMIN in user.roles and Role.ADMIN not in wanted:
        raise Refused(_(OWN_ADMIN_ROLE), field="roles")
    language = user.language if language is None else language
    timezone = user.timezone if isinstance(timezone, Unchanged) else timezone
    check_language(language, timezone)
    before = _edited(user)
    roles_before = _roles_text(user)
    with unique_or_refused(_(DUPLICATE_EMAIL), field="email"):
        user.email = normalise_email(email)
        user.name = name.strip()
        user.kind = kind
        user.language = language
        user.timezone = timezone
        user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
            UserRole(role=role) for role in sorted(wanted - user.roles)
        ]
        if _roles_text(user) != roles_before:
            # the roles are rows of their own table: changing them is a new version of the user
            user.version += 1
    after = _edited(user)
    changes = [_change(key, before[key], after[key]) for key in before if before[key] != after[key]]
    roles_after = _roles_text(user)
    if roles_before != roles_after:
        changes.append(_("roles %(before)s → %(after)s", before=roles_before, after=roles_after))
    if changes:
        summary = _("Updated %(email)s: %(changes)s", email=user.email, changes="; ".join(changes))
        record_event(actor, "user.update", user, summary)
    if roles_before != roles_after:
        summary = _(
            "Roles of %(email)s: %(before)s → %(after)s",
            email=user.email,
            before=roles_before,
            after=roles_after,
        )
        record_event(actor, "user.roles", user, summary)
    return changes


def _edited(user: User) -> dict[str, str]:
    """What the admin's form edits besides the roles, as the audit trail writes it."""
    return {
        "email": user.email,
        "name": user.name,
        "kind": user.kind.value,
        "language": user.language,
        "timezone": user.timezone or "",
    }


def _change(key: str, before: str, after: str) -> str:
    """One change for the audit trail: ``email a@example.com → b@example.com``."""
    if key == "email":
        return _("email %(before)s → %(after)s", before=before, after=after)
    if key == "name":
        return _("name %(before)s → %(after)s", before=before, after=after)
    if key == "kind":
        return _("kind %(before)s → %(after)s", before=before, after=after)
    if key == "language":
        return _("language %(before)s → %(after)s", before=before, after=after)
    default = _("company default")
    return _("time zone %(before)s → %(after)s", before=before or default, after=after or default)


def set_active(user: User, active: bool, *, actor: User) -> bool:
    """Activate or deactivate the account; deactivating ends its sessions. Returns False (and
    records nothing) when it is so already; an admin never deactivates their own account."""
    if not active and user.id == actor.id:
        raise Refused(_(OWN_DEACTIVATION))
    if user.active == active:
        return False
    if active:
        _write_account(user, active=True)
    else:
        _write_account(user, active=False, session_version=_next_session_version(user))
    if active:
        record_event(actor, "user.activate", user, _("Activated %(email)s", email=user.email))
    else:
        record_event(actor, "user.deactivate", user, _("Deactivated %(email)s", email=user.email))
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
        summary = _("%(email)s changed their password", email=user.email)
        record_event(actor, "user.password_change", user, summary)
    else:
        record_event(
            actor, "user.password_reset", user, _("Password set for %(email)s", email=user.email)
        )
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
    return ", ".join(role.value for role in Role if role in user.roles) or _("no role")
