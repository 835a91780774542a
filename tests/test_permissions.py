"""The policy's per-object rule and its SQL condition for lists agree, for every demo user."""

import sqlalchemy as sa

from knowtrans import permissions
from knowtrans.demo.seed import seed_demo
from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db as _db
from knowtrans.users.models import User
from tests.conftest import PASSWORD


def test_the_sql_condition_of_visible_engagements_agrees_with_the_rule(db):
    from knowtrans.users.passwords import hash_password

    seed_demo(hash_password(PASSWORD))
    _db.session.commit()
    engagements = _db.session.scalars(sa.select(Engagement)).all()
    users = _db.session.scalars(sa.select(User)).all()
    assert len(users) > 10
    roles_seen = set()
    for user in users:
        roles_seen |= set(user.roles)
        by_rule = {e.id for e in engagements if permissions.can_view_engagement(user, e)}
        condition = permissions.visible_engagements_condition(user)
        by_sql = set(_db.session.scalars(sa.select(Engagement.id).where(condition)))
        assert by_sql == by_rule, user.email
    assert len(roles_seen) == 5  # every role, and users with several
