"""Confirming a learner's level: the engagement's expert or an IT lead, history kept."""

from html import unescape

import pytest
import sqlalchemy as sa

from knowtrans.audit.models import AuditEvent
from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.engagements.readiness_queries import engagement_readiness, plan_loading_options
from knowtrans.plans.models import Criticality, Phase
from knowtrans.users.models import Role
from tests.conftest import row_count


@pytest.fixture
def scene(make_user, make_skill, make_engagement, make_plan_item, make_assignment):
    """An active engagement with one critical plan item (target 3), Maria assigned to it."""

    class Scene:
        expert = make_user(Role.EXPERT, name="Erik Expert")
        learner = make_user(Role.STAFF, name="Maria Lopez")
        engagement = make_engagement(expert=expert, title="Cluster migration")
        plan_item = make_plan_item(
            engagement=engagement,
            skill=make_skill("Kubernetes operations"),
            target_level=3,
            criticality=Criticality.CRITICAL,
        )
        assignment = make_assignment(plan_item=plan_item, learner=learner)
        url = f"/assignments/{assignment.id}/confirm"

    return Scene


def readiness_of(db, engagement_id: int):
    db.session.expire_all()
    engagement = db.session.scalars(
        sa.select(Engagement)
        .where(Engagement.id == engagement_id)
        .options(*plan_loading_options())
        .execution_options(populate_existing=True)
    ).one()
    return engagement_readiness(engagement)


def test_expert_confirms_levels_and_readiness_follows(scene, login_as, make_entry, db):
    make_entry(scene.assignment, learned="Upgraded the **staging** cluster.", self_level=4)
    assert readiness_of(db, scene.engagement.id).covered == 0

    browser = login_as(scene.expert)
    page = browser.get(scene.url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<h1>") == 1
    assert "Maria Lopez" in html
    assert "Kubernetes operations" in html
    assert "4 · Proficient" in html  # the learner's own assessment, for context
    assert "<strong>staging</strong>" in html  # recent learning
    assert "first confirmation" in html
    assert ">Confirmed level</label>" in html
    assert ">Comment</label>" in html

    response = browser.post(scene.url, {"level": "3", "comment": "Ran the upgrade alone."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assignments/{scene.assignment.id}")
    confirmation = db.session.scalars(sa.select(LevelConfirmation)).one()
    assert confirmation.assignment_id == scene.assignment.id
    assert confirmation.level == 3
    assert confirmation.comment == "Ran the upgrade alone."
    assert confirmation.confirmed_by_id == scene.expert.id
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert event.action == "assignment.confirm"
    assert event.engagement_id == scene.engagement.id
    assert event.summary == "Confirmed Maria Lopez at 3 (Competent) for Kubernetes operations"
    readiness = readiness_of(db, scene.engagement.id)
    assert readiness.covered == 1
    assert readiness.percent == 100

    # a later confirmation below the target uncovers the item again; history is kept
    response = browser.post(scene.url, {"level": "2", "comment": "Struggled with the rollback."})
    assert response.status_code == 302
    assert row_count(LevelConfirmation) == 2
    readiness = readiness_of(db, scene.engagement.id)
    assert readiness.covered == 0
    assert readiness.percent == 0
    assert scene.assignment.confirmed_level == 2

    page = browser.get(f"/assignments/{scene.assignment.id}").get_data(as_text=True)
    assert "Ran the upgrade alone." in page
    assert "Struggled with the rollback." in page
    assert page.index("Struggled with the rollback.") < page.index("Ran the upgrade alone.")
    assert "below the target" in page


def test_it_lead_confirms_without_comment(scene, login_as, make_user, db):
    lead = make_user(Role.IT_LEAD, name="Ida Lead")
    response = login_as(lead).post(scene.url, {"level": "5", "comment": "   "})
    assert response.status_code == 302
    confirmation = db.session.scalars(sa.select(LevelConfirmation)).one()
    assert confirmation.level == 5
    assert confirmation.comment == ""
    assert confirmation.confirmed_by_id == lead.id
    summary = db.session.scalars(sa.select(AuditEvent.summary)).one()
    assert summary == "Confirmed Maria Lopez at 5 (Expert) for Kubernetes operations"


def test_confirm_page_shows_the_history(scene, login_as, make_confirmation, make_user):
    make_confirmation(scene.assignment, 2, make_user(Role.IT_LEAD, name="Ida Lead"), "Early.")
    html = login_as(scene.expert).get(scene.url).get_data(as_text=True)
    assert "Ida Lead" in html
    assert "Early." in html
    assert "(current)" in html


@pytest.mark.parametrize(
    ("level", "message"),
    [
        ("0", "Choose a level from 1 (Novice) to 5 (Expert)."),
        ("6", "Choose a level from 1 (Novice) to 5 (Expert)."),
        ("-1", "Choose a level from 1 (Novice) to 5 (Expert)."),
        ("abc", "Choose a level from 1 (Novice) to 5 (Expert)."),
        ("3.5", "Choose a level from 1 (Novice) to 5 (Expert)."),
        ("9" * 5000, "Choose a level from 1 (Novice) to 5 (Expert)."),
        ("", "Choose the level the learner has shown."),
    ],
)
def test_bad_level_is_refused(scene, login_as, level, message):
    response = login_as(scene.expert).post(scene.url, {"level": level, "comment": "Kept."})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in unescape(html)
    assert 'id="level-error"' in html
    assert "Kept." in html
    assert row_count(LevelConfirmation) == 0
    assert row_count(AuditEvent) == 0


def test_missing_level_is_refused(scene, login_as):
    response = login_as(scene.expert).post(scene.url, {"comment": "No level."})
    assert response.status_code == 200
    assert "Choose the level the learner has shown." in response.get_data(as_text=True)
    assert row_count(LevelConfirmation) == 0


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("x" * 2001, "cannot be longer than 2000"),
        ("nul\x00byte", "characters that are not allowed"),
    ],
)
def test_bad_comment_is_refused(scene, login_as, comment, message):
    response = login_as(scene.expert).post(scene.url, {"level": "3", "comment": comment})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'id="comment-error"' in html
    assert row_count(LevelConfirmation) == 0


def test_only_the_expert_or_an_it_lead_may_confirm(
    scene, login_as, make_user, make_engagement, make_plan_item, make_assignment
):
    colleague = make_user(Role.STAFF)
    make_assignment(plan_item=make_plan_item(engagement=scene.engagement), learner=colleague)
    other_expert = make_user(Role.EXPERT)
    make_engagement(expert=other_expert)
    expected = [
        (scene.learner, 403),  # sees the engagement, cannot confirm (not even for themselves)
        (colleague, 403),
        (make_user(Role.CTO), 403),
        (make_user(Role.ADMIN), 403),
        (make_user(Role.STAFF), 404),  # not assigned: the engagement is not theirs to see
        (other_expert, 404),
    ]
    for user, status in expected:
        browser = login_as(user)
        assert browser.get(scene.url).status_code == status, user.roles
        response = browser.post(scene.url, {"level": "5"}, form_url="/")
        assert response.status_code == status, user.roles
    assert row_count(LevelConfirmation) == 0
    assert row_count(AuditEvent) == 0


def test_closed_engagement_refuses_confirmation(scene, login_as, db, make_user):
    scene.engagement.status = EngagementStatus.CLOSED
    db.session.commit()
    for user in (scene.expert, make_user(Role.IT_LEAD)):
        browser = login_as(user)
        assert browser.get(scene.url).status_code == 403
        assert browser.post(scene.url, {"level": "3"}, form_url="/").status_code == 403
    assert row_count(LevelConfirmation) == 0


def test_unknown_assignment_is_404(scene, login_as):
    browser = login_as(scene.expert)
    assert browser.get("/assignments/999999/confirm").status_code == 404
    assert browser.post("/assignments/999999/confirm", {"level": "3"}).status_code == 404
    assert row_count(LevelConfirmation) == 0


def test_confirm_needs_login_and_csrf(scene, client, login_as):
    response = client.get(scene.url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    browser = login_as(scene.expert)
    assert browser.client.post(scene.url, data={"level": "3"}).status_code == 400
    assert row_count(LevelConfirmation) == 0


def test_confirm_page_queries_do_not_grow_with_entries(
    scene, login_as, make_entry, make_confirmation, make_user, count_queries, db
):
    """Nor with confirmations: the first, by the expert and by an IT lead, costs nothing."""
    make_entry(scene.assignment)
    browser = login_as(scene.expert)
    db.session.expire_all()
    with count_queries() as few:
        assert browser.get(scene.url).status_code == 200
    for _ in range(8):
        make_entry(scene.assignment)
    make_confirmation(scene.assignment, 1, scene.expert)
    make_confirmation(scene.assignment, 2, make_user(Role.IT_LEAD))
    db.session.expire_all()
    with count_queries() as many:
        html = browser.get(scene.url).get_data(as_text=True)
    assert "All 9 entries" in html
    assert len(many) == len(few)


def test_nobody_confirms_their_own_level(
    db, login_as, make_user, make_engagement, make_plan_item, make_assignment
):
    lead_who_learns = make_user(Role.IT_LEAD, Role.STAFF, name="Markus Klein")
    engagement = make_engagement()
    item = make_plan_item(engagement=engagement, target_level=3)
    assignment = make_assignment(plan_item=item, learner=lead_who_learns)
    browser = login_as(lead_who_learns)
    assert browser.get(f"/assignments/{assignment.id}/confirm").status_code == 403
    response = browser.post(
        f"/assignments/{assignment.id}/confirm",
        {"level": "5"},
        form_url=f"/assignments/{assignment.id}",
    )
    assert response.status_code == 403
    assert row_count(LevelConfirmation) == 0
    page = browser.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert f"/assignments/{assignment.id}/confirm" not in page


def test_confirming_at_target_can_sign_off_and_a_lower_level_revokes_it(
    db, login_as, make_user, make_engagement, make_plan_item, make_assignment
):
    expert = make_user(Role.EXPERT)
    item = make_plan_item(engagement=make_engagement(expert=expert), target_level=3)
    assignment = make_assignment(plan_item=item)
    browser = login_as(expert)
    url = f"/assignments/{assignment.id}/confirm"

    response = browser.post(url, {"level": "2", "sign_off": "y"})
    assert response.status_code == 200
    assert "Signing off needs a level of at least 3" in response.get_data(as_text=True)
    assert row_count(LevelConfirmation) == 0

    signed = browser.post(url, {"level": "3", "sign_off": "y"})
    assert signed.status_code == 302
    db.session.expire_all()
    assert assignment.phase is Phase.SIGNED_OFF
    name = assignment.learner.name
    page = browser.get(signed.headers["Location"]).get_data(as_text=True)
    assert f"; {name} is now in Signed off." in page

    revoked = browser.post(url, {"level": "2", "comment": "Struggled with the upgrade."})
    assert revoked.status_code == 302
    db.session.expire_all()
    assert assignment.phase is Phase.INDEPENDENT
    page = browser.get(revoked.headers["Location"]).get_data(as_text=True)
    assert f"; {name} is now in Independent." in page
    phases = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "assignment.phase")
    ).all()
    assert len(phases) == 2


# --- the operation enforces the rules, whoever calls it ---------------------------------------


def test_confirm_level_refuses_a_sign_off_below_the_target(scene, db):
    from knowtrans.confirmations import operations
    from knowtrans.core.errors import Refused

    with pytest.raises(Refused) as refused:
        operations.confirm_level(
            scene.assignment, level=2, comment="", actor=scene.expert, sign_off=True
        )
    db.session.rollback()
    assert str(refused.value) == "Signing off needs a level of at least 3 (Competent), the target."
    assert refused.value.field == "sign_off"
    assert row_count(LevelConfirmation) == 0
    assert row_count(AuditEvent) == 0
    db.session.expire_all()
    assert scene.assignment.phase is Phase.SHADOWING


@pytest.mark.parametrize("level", [0, 6])
def test_confirm_level_refuses_a_level_beyond_the_scale(scene, db, level):
    from knowtrans.confirmations import operations
    from knowtrans.core.errors import Refused

    with pytest.raises(Refused) as refused:
        operations.confirm_level(scene.assignment, level=level, comment="", actor=scene.expert)
    db.session.rollback()
    assert (str(refused.value), refused.value.field) == (
        "Choose a level from 1 (Novice) to 5 (Expert).",
        "level",
    )
    assert row_count(LevelConfirmation) == 0


def test_nobody_confirms_their_own_level_even_through_the_operation(db, make_assignment):
    from knowtrans.confirmations import operations

    assignment = make_assignment()
    with pytest.raises(operations.Refused, match="their own level"):
        operations.confirm_level(assignment, level=3, comment="", actor=assignment.learner)
