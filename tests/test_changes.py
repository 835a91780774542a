"""Change counters: every write raises the counter of the engagement it belongs to (or the
company's, for people and skills) in its own transaction; the audit trail and the reports'
own rows raise none."""

import pytest
import sqlalchemy as sa

from knowtrans.core import changes
from knowtrans.core.changes import COMPANY, generations, scope_of
from knowtrans.extensions import db as _db


def test_every_model_says_where_its_changes_count(app):
    """A new model must decide: without ``__changes__`` it would count for the company
    (safe, but every engagement's draft would be looked up the slow way after its writes)."""
    paths = {}
    for mapper in _db.Model.registry.mappers:
        assert hasattr(mapper.class_, "__changes__"), mapper.class_.__name__
        paths[mapper.class_.__name__] = mapper.class_.__changes__
    for name, path in paths.items():
        if isinstance(path, str):
            mapper = next(m for m in _db.Model.registry.mappers if m.class_.__name__ == name)
            *relations, column = path.split(".")
            for relation in relations:  # each step is a many-to-one relationship
                step = mapper.relationships[relation]
                assert step.direction.name == "MANYTOONE", (name, relation)
                mapper = step.mapper
            assert column in mapper.columns, (name, column)


def test_each_kind_of_write_raises_its_engagements_counter(
    db, make_engagement, make_plan_item, make_assignment, make_entry, make_confirmation
):
    from knowtrans.learning.models import EvidenceLink, OpenQuestion

    engagement, other = make_engagement(), make_engagement()
    plan_item = make_plan_item(engagement=engagement)
    seen, others = generations(engagement.id), generations(other.id)[1]
    assert others == 1  # its creation

    def raised() -> bool:
        nonlocal seen
        now = generations(engagement.id)
        moved = now[1] > seen[1]
        seen = now
        return moved

    assignment = make_assignment(plan_item=plan_item)
    assert raised()
    entry = make_entry(assignment)
    assert raised()
    db.session.add(EvidenceLink(entry=entry, url="https://wiki.example.com/etcd"))
    db.session.commit()
    assert raised()
    db.session.add(OpenQuestion(entry=entry, text="Who rotates the CA?"))
    db.session.commit()
    assert raised()
    make_confirmation(assignment, 3, engagement.expert)
    assert raised()
    plan_item.handover_notes = "Handover of the runbooks."
    db.session.commit()
    assert raised()
    db.session.delete(entry)
    db.session.commit()
    assert raised()
    assert generations(other.id)[1] == others


def test_people_and_skills_count_for_the_company_and_the_audit_trail_not_at_all(
    db, make_user, make_skill
):
    from knowtrans.audit.operations import record_event

    user, skill = make_user(), make_skill()
    company = generations(0)[0]
    user.name = "Maria López-Weber"
    db.session.commit()
    assert generations(0)[0] == company + 1
    skill.description = "Certificates, backups, upgrades."
    db.session.commit()
    assert generations(0)[0] == company + 2
    record_event(user, "user.update", user, "Renamed")
    db.session.commit()
    assert generations(0)[0] == company + 2


def test_an_update_statement_counts_for_the_company(db, make_user):
    from knowtrans.audit.models import AuditEvent
    from knowtrans.users.models import User

    user = make_user()
    company = generations(0)[0]
    db.session.execute(sa.update(User).where(User.id == user.id).values(name="Renamed"))
    db.session.commit()
    assert generations(0)[0] == company + 1
    db.session.execute(sa.update(AuditEvent).values(summary="x"))  # uncounted model
    db.session.commit()
    assert generations(0)[0] == company + 1


def test_a_rolled_back_write_raises_nothing(db, make_engagement):
    engagement = make_engagement()
    before = generations(engagement.id)
    engagement.title = "Renamed"
    db.session.flush()
    assert generations(engagement.id)[1] == before[1] + 1  # the writer sees its own
    db.session.rollback()
    assert generations(engagement.id) == before


class Untraced:
    pass


class Orphan:
    __changes__ = "entry.assignment.plan_item.engagement_id"
    entry = None


@pytest.mark.parametrize(("obj", "scope"), [(Untraced(), COMPANY), (Orphan(), COMPANY)])
def test_what_cannot_be_traced_to_one_engagement_counts_for_the_company(obj, scope):
    assert scope_of(obj) == scope
    assert changes.COMPANY == 0
