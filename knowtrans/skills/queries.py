"""Reads of the skill catalogue that its pages share."""

import sqlalchemy as sa

from knowtrans.core.search import contains
from knowtrans.extensions import db
from knowtrans.plans.models import PlanItem
from knowtrans.skills.models import Skill


def categories() -> list[str]:
    query = sa.select(Skill.category).distinct().order_by(Skill.category)
    return list(db.session.scalars(query))


def any_skill() -> bool:
    return db.session.execute(sa.select(Skill.id).limit(1)).first() is not None


def plan_item_counts(skills: list[Skill]) -> dict[int, int]:
    """How many plan items use each skill, in one query for the whole page."""
    if not skills:
        return {}
    query = (
        sa.select(PlanItem.skill_id, sa.func.count(PlanItem.id))
        .where(PlanItem.skill_id.in_([skill.id for skill in skills]))
        .group_by(PlanItem.skill_id)
    )
    return dict(db.session.execute(query).all())


def catalogue(applied: dict[str, str]) -> sa.Select:
    """The skills matching the list's filters (``q``, ``category``, ``archived``), by category
    and name."""
    query = sa.select(Skill).order_by(sa.func.lower(Skill.category), sa.func.lower(Skill.name))
    if "q" in applied:
        query = query.where(contains(applied["q"], Skill.name, Skill.description))
    if "category" in applied:
        query = query.where(Skill.category == applied["category"])
    if "archived" not in applied:
        query = query.where(Skill.archived.is_(False))
    return query
