"""The engagement page keeps its facts, readiness and plan rendered per viewer while the
data is unchanged: a write, a role change or a new day renders it afresh; each session's
forms carry its own CSRF token; the history is read every time."""

import re

import pytest

from knowtrans.core.fragments import TOKEN_MARKER, FragmentCache
from knowtrans.engagements.models import Engagement
from knowtrans.users.models import Role, UserRole
from tests.conftest import csrf_token_from

TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def scene(make_user, make_engagement, make_plan_item, make_assignment, make_entry):
    expert = make_user(Role.EXPERT, name="Erik Expert")
    engagement = make_engagement(expert=expert, title="Platform handover")
    learner = make_user(Role.STAFF, name="Lena Learner")
    assignment = make_assignment(plan_item=make_plan_item(engagement=engagement), learner=learner)
    make_entry(assignment, learned="Rotated the etcd certificates.")
    return {
        "engagement": engagement,
        "assignment": assignment,
        "expert": expert,
        "learner": learner,
        "cto": make_user(Role.CTO, name="Clara CTO"),
    }


def page(browser, engagement) -> str:
    engagement_id = engagement if isinstance(engagement, int) else engagement.id
    response = browser.get(f"/engagements/{engagement_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_second_view_reads_less_and_shows_the_same(scene, login_as, count_queries, db):
    cto, engagement_id = login_as(scene["cto"]), scene["engagement"].id
    db.session.expunge_all()
    with count_queries() as first:
        cold = page(cto, engagement_id)
    db.session.expunge_all()
    with count_queries() as second:
        warm = page(cto, engagement_id)
    assert len(second) < len(first)
    assert not any("plan_items" in statement for statement in second)
    assert TOKEN_RE.sub("", warm) == TOKEN_RE.sub("", cold)
    assert TOKEN_MARKER not in warm
    assert "Rotated" not in warm  # the log itself is on the assignment page
    assert "Platform handover" in warm


def test_a_write_shows_at_once(scene, login_as, make_confirmation):
    cto = login_as(scene["cto"])
    # the learner's chip: the confirmed level against the target (3)
    confirmed = re.compile(r'<span class="level level-(\w+) level-short" title="([^"]*)"')
    assert confirmed.findall(page(cto, scene["engagement"])) == [("none", "Not confirmed yet")]
    make_confirmation(scene["assignment"], 4, scene["expert"])
    assert confirmed.findall(page(cto, scene["engagement"])) == [
        ("met", "Confirmed level 4 · Proficient: reaches the target level 3 · Competent")
    ]


def test_each_viewer_sees_their_own_rights(scene, login_as):
    assert "Assign learner" in page(login_as(scene["cto"]), scene["engagement"])
    assert "Assign learner" not in page(login_as(scene["learner"]), scene["engagement"])
    assert "Confirm level" in page(login_as(scene["expert"]), scene["engagement"])


def test_a_role_taken_away_takes_the_buttons_with_it(scene, login_as, make_user, db):
    other_cto = make_user(Role.CTO, Role.IT_LEAD, name="Otto")
    browser = login_as(other_cto)
    assert "Assign learner" in page(browser, scene["engagement"])
    db.session.delete(db.session.get(UserRole, (other_cto.id, Role.CTO)))
    db.session.commit()
    assert "Assign learner" not in page(browser, scene["engagement"])


def test_another_session_posts_the_cached_forms_with_its_own_token(scene, login_as):
    first, second = login_as(scene["cto"]), login_as(scene["cto"])
    page(first, scene["engagement"])
    html = page(second, scene["engagement"])  # from the cache
    tokens = set(TOKEN_RE.findall(html))
    assert tokens == {csrf_token_from(html)}
    item = scene["assignment"].plan_item
    response = second.client.post(
        f"/plan-items/{item.id}/delete", data={"csrf_token": tokens.pop()}
    )
    assert response.status_code in (302, 303)


def test_a_new_day_renders_afresh(scene, login_as, monkeypatch, count_queries):
    """Deadlines and risk are counted from today: tomorrow's page is rendered anew."""
    from datetime import timedelta

    from knowtrans.core import clock
    from knowtrans.engagements import queries

    cto = login_as(scene["cto"])
    page(cto, scene["engagement"])
    tomorrow = clock.today() + timedelta(days=1)
    monkeypatch.setattr(queries, "today", lambda: tomorrow)
    with count_queries() as statements:
        page(cto, scene["engagement"])
    assert any("plan_items" in statement for statement in statements)


def test_the_history_is_read_every_time(scene, login_as, db):
    from knowtrans.audit.operations import record_event

    cto = login_as(scene["cto"])
    page(cto, scene["engagement"])
    engagement = db.session.get(Engagement, scene["engagement"].id)
    record_event(
        scene["cto"],
        "engagement.update",
        engagement,
        "A remark for the history",
        engagement_id=engagement.id,
    )
    db.session.commit()
    assert "A remark for the history" in page(cto, scene["engagement"])


def test_the_cache_keeps_the_latest_parts_within_its_limit():
    cache = FragmentCache(limit=10)
    cache.put("a", "aaaa")
    cache.put("b", "bbbb")
    assert cache.get("a") == "aaaa"  # now the latest used
    cache.put("c", "cccc")  # over 10: the least recently used goes
    assert cache.get("b") is None
    assert cache.get("a") == "aaaa"
    assert len(cache) == 2
    cache.put("huge", "x" * 11)
    assert cache.get("huge") is None
    assert FragmentCache(limit=0).get("a") is None


def test_no_cache_renders_every_time(scene, login_as, app, count_queries, db):
    from knowtrans.core import fragments

    cto, engagement_id = login_as(scene["cto"]), scene["engagement"].id
    app.extensions["knowtrans.fragments"] = FragmentCache(0)
    try:
        counts = []
        for _ in range(2):
            db.session.expunge_all()
            with count_queries() as queries:
                page(cto, engagement_id)
            counts.append(len(queries))
        assert counts[0] == counts[1]
        assert len(fragments.cache()) == 0
    finally:
        fragments.init_fragments(app)
