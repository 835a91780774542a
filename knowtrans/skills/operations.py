"""Writes on the skill catalogue. Each function enforces its rules (raising ``Refused``) and
flushes; the request pipeline commits."""

import sqlalchemy as sa
from flask_babel import gettext as _

from knowtrans.audit.operations import record_event
from knowtrans.core.concurrency import check_version
from knowtrans.core.errors import Refused
from knowtrans.core.integrity import unique_or_refused
from knowtrans.extensions import db
from knowtrans.skills.models import Skill
from knowtrans.users.models import User


def skill_named(name: str, *, exclude_id: int | None = None) -> Skill | None:
    """The skill (archived or not) whose name equals ``name`` ignoring case, if any.

    Compares case-folded in Python: SQLite's lower() folds ASCII only ("Übertragung" and
    "übertragung" differ there). The catalogue is small; the unique index
    uq_skills_name_lower still guards the ASCII case against a concurrent insert.
    """
    wanted = name.strip().casefold()
    query = sa.select(Skill).order_by(Skill.id)
    if exclude_id is not None:
        query = query.where(Skill.id != exclude_id)
    return next(
        (skill for skill in db.session.scalars(query) if skill.name.casefold() == wanted), None
    )


def duplicate_name_message(existing: Skill, *, renaming: bool = False) -> str:
    if existing.archived and renaming:
        return _(
            "A skill named “%(name)s” exists already. It is archived; choose another name.",
            name=existing.name,
        )
    if existing.archived:
        return _(
            "A skill named “%(name)s” exists already. It is archived: restore it instead of "
            "creating it again.",
            name=existing.name,
        )
    return _("A skill named “%(name)s” exists already.", name=existing.name)


def check_name(name: str, *, renaming: Skill | None = None) -> None:
    """Refuse a name another skill has, whatever the case."""
    existing = skill_named(name, exclude_id=renaming.id if renaming else None)
    if existing is not None:
        raise Refused(duplicate_name_message(existing, renaming=renaming is not None), field="name")


def _name_taken_meanwhile(name: str) -> str:
    """The message when the unique index refuses a name another request has just taken."""
    return _("A skill named “%(name)s” exists already.", name=name.strip())


def known_category(category: str) -> str:
    """An existing category's spelling when ``category`` differs from it only in case."""
    wanted = category.strip().casefold()
    for existing in db.session.scalars(sa.select(Skill.category).distinct()):
        if existing.casefold() == wanted:
            return existing
    return category.strip()


def create_skill(*, name: str, category: str, description: str, actor: User) -> Skill:
    """Raises Refused for a name the catalogue has already."""
    check_name(name)
    skill = Skill(
        name=name.strip(),
        category=known_category(category),
        description=description.strip(),
        archived=False,
    )
    with unique_or_refused(_name_taken_meanwhile(name), field="name"):
        db.session.add(skill)
    summary = _("Created skill %(name)s (%(category)s)", name=skill.name, category=skill.category)
    record_event(actor, "skill.create", skill, summary)
    return skill


def update_skill(
    skill: Skill,
    *,
    name: str,
    category: str,
    description: str,
    version: int | None,
    actor: User,
) -> list[str]:
    """Apply the edit made on the skill's ``version``; returns what changed (nothing, and no
    audit event, for a save without changes). Raises EditConflict when someone else saved the
    skill in between, Refused for a name another skill has."""
    check_version(skill, version)
    check_name(name, renaming=skill)
    category = known_category(category)  # before any change: its query would flush them
    before = {"name": skill.name, "category": skill.category, "description": skill.description}
    with unique_or_refused(_name_taken_meanwhile(name), field="name"):
        skill.name = name.strip()
        skill.category = category
        skill.description = description.strip()
    changes = []
    if before["name"] != skill.name:
        changes.append(_("name %(before)s → %(after)s", before=before["name"], after=skill.name))
    if before["category"] != skill.category:
        changes.append(
            _("category %(before)s → %(after)s", before=before["category"], after=skill.category)
        )
    if before["description"] != skill.description:
        changes.append(_("description"))
    if changes:
        summary = _(
            "Updated skill %(name)s: %(changes)s", name=skill.name, changes="; ".join(changes)
        )
        record_event(actor, "skill.update", skill, summary)
    return changes


def archive_skill(skill: Skill, *, actor: User) -> bool:
    """Archived skills stay on existing plans but are offered for no new plan item. Returns
    False (and records nothing) when the skill is archived already."""
    if skill.archived:
        return False
    skill.archived = True
    record_event(actor, "skill.archive", skill, _("Archived skill %(name)s", name=skill.name))
    return True


def restore_skill(skill: Skill, *, actor: User) -> bool:
    """Returns False (and records nothing) when the skill is not archived."""
    if not skill.archived:
        return False
    skill.archived = False
    record_event(actor, "skill.restore", skill, _("Restored skill %(name)s", name=skill.name))
    return True
