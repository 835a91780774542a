"""Writes on the skill catalogue. Each function flushes; the caller commits."""

import sqlalchemy as sa

from knowtrans.audit.operations import record_event
from knowtrans.auth.models import User
from knowtrans.core.concurrency import check_version
from knowtrans.extensions import db
from knowtrans.skills.models import Skill


def skill_named(name: str, *, exclude_id: int | None = None) -> Skill | None:
    """The skill (archived or not) whose name equals ``name`` ignoring case, if any.

    Compares with the database's lower(), the same function as the unique index
    uq_skills_name_lower, so this check and the index agree.
    """
    query = sa.select(Skill).where(sa.func.lower(Skill.name) == sa.func.lower(name.strip()))
    if exclude_id is not None:
        query = query.where(Skill.id != exclude_id)
    return db.session.scalars(query.limit(1)).first()


def create_skill(*, name: str, category: str, description: str, actor: User) -> Skill:
    skill = Skill(
        name=name.strip(),
        category=category.strip(),
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
    before = {"name": skill.name, "category": skill.category, "description": skill.description}
    skill.name = name.strip()
    skill.category = category.strip()
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
