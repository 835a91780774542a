"""Writes on the skill catalogue. Each function flushes; the caller commits."""

import sqlalchemy as sa

from knowtrans.audit.operations import record_event
from knowtrans.auth.models import User
from knowtrans.core.concurrency import check_version
from knowtrans.extensions import db
from knowtrans.skills.models import Skill


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


def known_category(category: str) -> str:
    """An existing category's spelling when ``category`` differs from it only in case."""
    wanted = category.strip().casefold()
    for existing in db.session.scalars(sa.select(Skill.category).distinct()):
        if existing.casefold() == wanted:
            return existing
    return category.strip()


def create_skill(*, name: str, category: str, description: str, actor: User) -> Skill:
    skill = Skill(
        name=name.strip(),
        category=known_category(category),
        description=description.strip(),
        archived=False,
    )
    db.session.add(skill)
    record_event(actor, "skill.create", skill, f"Created skill {skill.name} ({skill.category})")
    return skill


def update_skill(
    skill: Skill,
    *,
    name: str,
    category: str,
    description: str,
    version: int | None,
    actor: User,
) -> Skill:
    """Apply the edit made on the skill's ``version``; raises EditConflict when someone else
    saved the skill in between."""
    check_version(skill, version)
    category = known_category(category)  # before any change: its query would flush them
    before = {"name": skill.name, "category": skill.category, "description": skill.description}
    skill.name = name.strip()
    skill.category = category
    skill.description = description.strip()
    changes = []
    if before["name"] != skill.name:
        changes.append(f"name {before['name']} → {skill.name}")
    if before["category"] != skill.category:
        changes.append(f"category {before['category']} → {skill.category}")
    if before["description"] != skill.description:
        changes.append("description")
    summary = f"Updated skill {skill.name}"
    if changes:
        summary += ": " + "; ".join(changes)
    record_event(actor, "skill.update", skill, summary)
    return skill


def archive_skill(skill: Skill, *, actor: User) -> Skill:
    """Archived skills stay on existing plans but are offered for no new plan item."""
    skill.archived = True
    record_event(actor, "skill.archive", skill, f"Archived skill {skill.name}")
    return skill


def restore_skill(skill: Skill, *, actor: User) -> Skill:
    skill.archived = False
    record_event(actor, "skill.restore", skill, f"Restored skill {skill.name}")
    return skill
