"""The learning log: my assignments, an assignment's page, recording and editing entries."""

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from knowtrans.audit.models import AuditEvent
from knowtrans.core.clock import today
from knowtrans.engagements.models import EngagementStatus
from knowtrans.learning.models import Activity, EvidenceLink, LearningEntry, OpenQuestion
from knowtrans.plans.models import LearnerRole, Phase
from knowtrans.users.models import Role
from tests.conftest import row_count


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no hidden field {name!r} on the page"
    return match.group(1)


def entry_data(**overrides) -> dict[str, str]:
    data = {
        "date": today().isoformat(),
        "activity": "pairing",
        "minutes": "90",
        "learned": "Drained a **node** with `kubectl drain` before patching.",
        "evidence": "https://wiki.example.com/runbooks/drain",
        "self_level": "2",
        "questions": "How do we handle PodDisruptionBudgets?",
    }
    data.update(overrides)
    return data


@pytest.fixture
def scene(make_user, make_skill, make_engagement, make_plan_item, make_assignment):
    """An active engagement: expert, one plan item (target 3), Maria assigned to it."""

    class Scene:
        expert = make_user(Role.EXPERT, name="Erik Expert")
        learner = make_user(Role.STAFF, name="Maria Lopez")
        engagement = make_engagement(expert=expert, title="Cluster migration")
        plan_item = make_plan_item(
            engagement=engagement, skill=make_skill("Kubernetes operations"), target_level=3
        )
        assignment = make_assignment(plan_item=plan_item, learner=learner)

    return Scene


def entry_rows() -> tuple[int, int, int]:
    return row_count(LearningEntry), row_count(EvidenceLink), row_count(OpenQuestion)


# --- my assignments -------------------------------------------------------------------


def test_my_assignments_lists_assignments_grouped_by_engagement(
    scene, login_as, make_engagement, make_plan_item, make_assignment, make_entry, make_skill
):
    other = make_engagement(title="Payments rewrite", status=EngagementStatus.CLOSED)
    closed_item = make_plan_item(engagement=other, skill=make_skill("Kafka"), target_level=4)
    make_assignment(plan_item=closed_item, learner=scene.learner, role=LearnerRole.BACKUP)
    make_entry(scene.assignment, minutes=90, self_level=2)
    make_entry(scene.assignment, minutes=30, self_level=None)

    response = login_as(scene.learner).get("/my/assignments")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1>") == 1
    assert "Cluster migration" in html
    assert "Payments rewrite" in html
    assert html.index("Cluster migration") < html.index("Payments rewrite")
    assert "Kubernetes operations" in html
    assert "Kafka" in html
    assert "2 h" in html  # 90 + 30 minutes
    assert "2 · Advanced beginner" in html  # self-assessed
    assert "Backup learner" in html
    assert "Closed" in html
    # a button for the active engagement only
    assert html.count("Record learning</a>") == 1
    assert f"/assignments/{scene.assignment.id}/entries/new" in html


def test_my_assignments_empty_state(login_as, make_user):
    response = login_as(make_user(Role.STAFF)).get("/my/assignments")
    assert response.status_code == 200
    assert "No assignments yet" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.CTO, Role.EXPERT, Role.IT_LEAD, Role.ADMIN])
def test_my_assignments_is_for_staff(login_as, make_user, role):
    assert login_as(make_user(role)).get("/my/assignments").status_code == 403


def test_my_assignments_shows_only_own_assignments(scene, login_as, make_assignment, make_user):
    make_assignment(learner=make_user(Role.STAFF))
    html = login_as(scene.learner).get("/my/assignments").get_data(as_text=True)
    assert html.count("/entries/new") == 1


def test_my_assignments_queries_do_not_grow_with_rows(
    scene, login_as, make_assignment, make_plan_item, make_engagement, make_entry, count_queries, db
):
    make_entry(scene.assignment)
    browser = login_as(scene.learner)
    db.session.expire_all()
    with count_queries() as one:
        assert browser.get("/my/assignments").status_code == 200

    second = make_engagement()
    for engagement in (scene.engagement, second, second, second):
        assignment = make_assignment(
            plan_item=make_plan_item(engagement=engagement), learner=scene.learner
        )
        make_entry(assignment)
    db.session.expire_all()
    with count_queries() as five:
        html = browser.get("/my/assignments").get_data(as_text=True)
    assert html.count("/entries/new") == 5
    assert len(five) == len(one), "\n\n".join(five)


# --- the assignment page --------------------------------------------------------------


def test_assignment_page_shows_plan_history_notes_and_log(
    scene, login_as, make_entry, make_confirmation, make_user, db
):
    scene.plan_item.handover_notes = "Kubeconfigs live in **Vault**."
    db.session.commit()
    first = make_entry(scene.assignment, learned="Read the *upgrade* runbook.", self_level=1)
    first.date = today() - timedelta(days=3)
    first.evidence_links = [EvidenceLink(url="https://git.example.com/infra", position=0)]
    first.questions = [OpenQuestion(text="Who owns the ingress certificates?")]
    db.session.commit()
    make_entry(scene.assignment, learned="Patched a node pool.", self_level=2)
    lead = make_user(Role.IT_LEAD, name="Ida Lead")
    make_confirmation(scene.assignment, 2, scene.expert, comment="Needs practice on upgrades.")
    make_confirmation(scene.assignment, 3, lead, comment="Did the upgrade alone.")

    response = login_as(scene.learner).get(f"/assignments/{scene.assignment.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1>") == 1
    assert "Kubernetes operations: Maria Lopez" in html
    assert f"/engagements/{scene.engagement.id}" in html
    assert "Primary learner" in html
    assert "Shadowing" in html
    assert "3 · Competent" in html
    assert "reaches the target" in html
    assert "Needs practice on upgrades." in html
    assert "Did the upgrade alone." in html
    assert "Ida Lead" in html
    assert "Erik Expert" in html
    assert "<strong>Vault</strong>" in html
    assert "<em>upgrade</em>" in html
    assert 'href="https://git.example.com/infra" rel="noopener noreferrer"' in html
    assert "Who owns the ingress certificates?" in html
    assert "2 h" in html  # two entries of an hour
    # newest first
    assert html.index("Patched a node pool.") < html.index("upgrade</em> runbook")
    # the learner records learning and resolves questions, but does not confirm levels
    assert f"/assignments/{scene.assignment.id}/entries/new" in html
    assert "Mark resolved" in html
    assert "/confirm" not in html


def test_assignment_page_offers_confirmation_to_the_expert(scene, login_as, make_entry, db):
    entry = make_entry(scene.assignment)
    entry.questions = [OpenQuestion(text="Where are the backups?")]
    db.session.commit()
    html = login_as(scene.expert).get(f"/assignments/{scene.assignment.id}").get_data(as_text=True)
    assert f"/assignments/{scene.assignment.id}/confirm" in html
    assert "Mark resolved" in html
    assert "Record learning" not in html
    assert "Edit entry" not in html


def test_assignment_page_empty_log(scene, login_as):
    html = login_as(scene.learner).get(f"/assignments/{scene.assignment.id}").get_data(as_text=True)
    assert "No learning recorded yet." in html
    assert "No level confirmed yet." in html
    assert "has not written handover notes" in html


def test_assignment_page_of_a_closed_engagement_is_read_only(scene, login_as, make_entry, db):
    make_entry(scene.assignment)
    scene.engagement.status = EngagementStatus.CLOSED
    db.session.commit()
    response = login_as(scene.learner).get(f"/assignments/{scene.assignment.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "read-only" in html
    assert "Record learning" not in html
    assert "Edit entry" not in html


@pytest.mark.parametrize("role", [Role.CTO, Role.IT_LEAD, Role.ADMIN])
def test_oversight_roles_see_the_assignment_page(scene, login_as, make_user, role):
    response = login_as(make_user(role)).get(f"/assignments/{scene.assignment.id}")
    assert response.status_code == 200
    assert "Record learning" not in response.get_data(as_text=True)


def test_assignment_page_hidden_from_outsiders(scene, login_as, make_user):
    url = f"/assignments/{scene.assignment.id}"
    assert login_as(make_user(Role.STAFF)).get(url).status_code == 404
    assert login_as(make_user(Role.EXPERT)).get(url).status_code == 404
    assert login_as(scene.learner).get("/assignments/999999").status_code == 404


def test_hostile_markdown_is_rendered_harmless(scene, login_as, db, make_entry):
    hostile = (
        "<script>alert('x')</script>\n\n"
        '<img src=x onerror="alert(1)">\n\n'
        "[click](javascript:alert(1))\n\n"
        '<a href="data:text/html,boom">d</a> <div onmouseover="alert(2)">hover</div>'
    )
    scene.plan_item.handover_notes = hostile
    db.session.commit()
    browser = login_as(scene.learner)
    response = browser.post(
        f"/assignments/{scene.assignment.id}/entries/new",
        entry_data(learned=hostile, evidence=""),
    )
    assert response.status_code == 302
    html = browser.get(f"/assignments/{scene.assignment.id}").get_data(as_text=True).lower()
    for needle in ("<script>alert", "onerror", "javascript:", "data:text", "onmouseover", "<img"):
        assert needle not in html, needle


def test_assignment_page_queries_do_not_grow_with_entries(
    scene, login_as, make_entry, make_confirmation, make_user, db, count_queries
):
    """Nor with confirmations: the first, by the expert and by an IT lead, costs nothing."""

    def add_entry():
        entry = make_entry(scene.assignment)
        entry.evidence_links = [EvidenceLink(url="https://wiki.example.com/a", position=0)]
        entry.questions = [OpenQuestion(text="Why?"), OpenQuestion(text="How?")]
        db.session.commit()

    add_entry()
    browser = login_as(scene.learner)
    url = f"/assignments/{scene.assignment.id}"
    db.session.expire_all()
    with count_queries() as one:
        assert browser.get(url).status_code == 200

    for _ in range(4):
        add_entry()
    make_confirmation(scene.assignment, 2, scene.expert)
    make_confirmation(scene.assignment, 3, make_user(Role.IT_LEAD))
    db.session.expire_all()
    with count_queries() as five:
        html = browser.get(url).get_data(as_text=True)
    assert html.count("Edit entry") == 5
    assert len(five) == len(one), "\n\n".join(five)


# --- recording, editing, resolving, deleting: the learner's journey --------------------


def test_learner_records_edits_resolves_and_deletes_an_entry(scene, login_as, db):
    browser = login_as(scene.learner)
    new_url = f"/assignments/{scene.assignment.id}/entries/new"
    form = browser.get(new_url)
    assert form.status_code == 200
    form_html = form.get_data(as_text=True)
    assert form_html.count("<h1>") == 1
    for label in ("Date", "Activity", "Minutes spent", "What I learned", "Evidence links"):
        assert f">{label}</label>" in form_html

    response = browser.post(
        new_url,
        entry_data(
            evidence="https://wiki.example.com/runbooks/drain\nhttps://git.example.com/infra/pr/7",
            questions="How do we handle PodDisruptionBudgets?\nWho approves node upgrades?",
        ),
    )
    assert response.status_code == 302
    entry = db.session.scalars(sa.select(LearningEntry)).one()
    assert response.headers["Location"].endswith(
        f"/assignments/{scene.assignment.id}#entry-{entry.id}"
    )
    assert entry.assignment_id == scene.assignment.id
    assert entry.activity is Activity.PAIRING
    assert entry.minutes == 90
    assert entry.self_level == 2
    assert entry.date == today()
    assert [link.url for link in entry.evidence_links] == [
        "https://wiki.example.com/runbooks/drain",
        "https://git.example.com/infra/pr/7",
    ]
    assert [q.text for q in entry.questions] == [
        "How do we handle PodDisruptionBudgets?",
        "Who approves node upgrades?",
    ]
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "learning_entry.create")
    ).one()
    assert event.engagement_id == scene.engagement.id
    assert event.actor_id == scene.learner.id
    assert "Kubernetes operations" in event.summary

    page = browser.get(f"/assignments/{scene.assignment.id}").get_data(as_text=True)
    assert "<strong>node</strong>" in page
    assert "<code>kubectl drain</code>" in page
    assert 'href="https://wiki.example.com/runbooks/drain" rel="noopener noreferrer"' in page
    assert "1 hr 30 min" in page
    assert "Pairing" in page

    # resolve the first question
    pdb_question, upgrade_question = entry.questions
    response = browser.post(f"/questions/{pdb_question.id}/resolve")
    assert response.status_code == 302
    db.session.expire_all()
    assert pdb_question.is_resolved
    assert pdb_question.resolved_by_id == scene.learner.id
    assert not upgrade_question.is_resolved
    assert row_count(AuditEvent) == 2

    # edit: keep the resolved question, drop the other, add a new one, change the rest
    edit_url = f"/entries/{entry.id}/edit"
    edit_html = browser.get(edit_url).get_data(as_text=True)
    assert "How do we handle PodDisruptionBudgets?" in edit_html
    assert "Already resolved: How do we handle PodDisruptionBudgets?" in edit_html
    assert 'value="90"' in edit_html
    response = browser.post(
        edit_url,
        entry_data(
            activity="walkthrough",
            minutes="45",
            learned="Walked through **etcd** backups.",
            evidence="https://wiki.example.com/etcd",
            self_level="",
            questions="How do we handle PodDisruptionBudgets?\nWhere do the etcd snapshots go?",
            version=hidden_value(edit_html, "version"),
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert entry.activity is Activity.WALKTHROUGH
    assert entry.minutes == 45
    assert entry.self_level is None
    assert entry.learned == "Walked through **etcd** backups."
    assert [link.url for link in entry.evidence_links] == ["https://wiki.example.com/etcd"]
    kept, added = entry.questions
    assert kept.id == pdb_question.id
    assert kept.is_resolved
    assert added.text == "Where do the etcd snapshots go?"
    assert not added.is_resolved
    assert row_count(OpenQuestion) == 2
    assert row_count(EvidenceLink) == 1
    assert (
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "learning_entry.update")
        )
        .one()
        .engagement_id
        == scene.engagement.id
    )

    # delete
    response = browser.post(f"/entries/{entry.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert entry_rows() == (0, 0, 0)
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "learning_entry.delete")
    ).one()
    assert event.engagement_id == scene.engagement.id
    page = browser.get(f"/assignments/{scene.assignment.id}").get_data(as_text=True)
    assert "No learning recorded yet." in page


def test_edit_form_keeps_what_was_typed_on_error(scene, login_as, make_entry, db):
    entry = make_entry(scene.assignment, minutes=60, learned="Original text.")
    browser = login_as(scene.learner)
    edit_html = browser.get(f"/entries/{entry.id}/edit").get_data(as_text=True)
    response = browser.post(
        f"/entries/{entry.id}/edit",
        entry_data(minutes="0", learned="My new text.", version=hidden_value(edit_html, "version")),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "My new text." in html
    assert "Enter between 1 and 720 minutes" in html
    db.session.expire_all()
    assert entry.minutes == 60
    assert entry.learned == "Original text."


def test_edit_refuses_to_overwrite_a_newer_version(scene, login_as, make_entry, db):
    entry = make_entry(scene.assignment, minutes=60, learned="Original text.")
    browser = login_as(scene.learner)
    stale_html = browser.get(f"/entries/{entry.id}/edit").get_data(as_text=True)
    stale_version = hidden_value(stale_html, "version")
    fresh_html = browser.get(f"/entries/{entry.id}/edit").get_data(as_text=True)
    assert (
        browser.post(
            f"/entries/{entry.id}/edit",
            entry_data(learned="From the first tab.", version=hidden_value(fresh_html, "version")),
        ).status_code
        == 302
    )

    response = browser.post(
        f"/entries/{entry.id}/edit",
        entry_data(learned="From the second tab.", version=stale_version),
    )
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert "You saved this learning entry on" in html
    assert "in another tab, window or device." in html
    assert "From the second tab." in html
    db.session.expire_all()
    assert entry.learned == "From the first tab."


def test_two_clients_editing_a_learning_entry(scene, login_as, make_entry, db):
    """The learner has the entry open on a laptop and a phone; the phone saves first."""
    entry = make_entry(scene.assignment, minutes=60, learned="Original text.", self_level=2)
    url = f"/entries/{entry.id}/edit"
    laptop, phone = login_as(scene.learner), login_as(scene.learner)
    laptop_version = hidden_value(laptop.get(url).get_data(as_text=True), "version")
    phone_version = hidden_value(phone.get(url).get_data(as_text=True), "version")
    phone_data = entry_data(
        minutes="30",
        learned="Typed on the phone.",
        evidence="",
        questions="Who owns the backups?",
        version=phone_version,
    )
    assert phone.post(url, phone_data).status_code == 302

    laptop_data = entry_data(
        minutes="120",
        learned="A long **write-up** from the laptop.",
        version=laptop_version,
    )
    response = laptop.post(url, laptop_data)

    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert "You saved this learning entry on" in html
    assert "What changed: Updated 30 min of pairing" in html
    assert "A long **write-up** from the laptop.</textarea>" in html  # typed text kept
    assert 'value="120"' in html
    assert "<p>Typed on the phone.</p>" in html  # the saved version
    assert "Who owns the backups?" in html
    db.session.expire_all()
    assert (entry.minutes, entry.learned) == (30, "Typed on the phone.")
    assert [question.text for question in entry.questions] == ["Who owns the backups?"]
    assert entry.evidence_links == []

    response = laptop.post(url, {**laptop_data, "version": hidden_value(html, "version")})
    assert response.status_code == 302
    db.session.expire_all()
    assert (entry.minutes, entry.learned) == (120, "A long **write-up** from the laptop.")
    assert [link.url for link in entry.evidence_links] == [
        "https://wiki.example.com/runbooks/drain"
    ]
    assert [question.text for question in entry.questions] == [
        "How do we handle PodDisruptionBudgets?"
    ]
    assert entry.version == 3


def test_changing_only_links_moves_the_version(scene, login_as, make_entry, db):
    entry = make_entry(scene.assignment)
    url = f"/entries/{entry.id}/edit"
    browser = login_as(scene.learner)
    data = entry_data(
        date=entry.date.isoformat(),
        activity=entry.activity.value,
        minutes=str(entry.minutes),
        learned=entry.learned,
        self_level=str(entry.self_level),
        questions="",
        evidence="https://wiki.example.com/new",
    )
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    assert browser.post(url, {**data, "version": version}).status_code == 302
    db.session.expire_all()
    assert entry.version == 2
    response = browser.post(url, {**data, "evidence": "", "version": version})
    assert response.status_code == 200
    db.session.expire_all()
    assert [link.url for link in entry.evidence_links] == ["https://wiki.example.com/new"]


def test_entry_save_racing_between_check_and_write_is_a_conflict(
    scene, login_as, make_entry, db, monkeypatch
):
    from knowtrans.learning import operations

    entry = make_entry(scene.assignment, learned="Original text.")
    url = f"/entries/{entry.id}/edit"
    browser = login_as(scene.learner)
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    check_version = operations.check_version

    def check_then_lose_the_race(obj, submitted):
        check_version(obj, submitted)
        table = LearningEntry.__table__
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(table)
                .where(table.c.id == obj.id)
                .values(version=table.c.version + 1, learned="Won the race.")
            )

    monkeypatch.setattr(operations, "check_version", check_then_lose_the_race)
    response = browser.post(url, entry_data(learned="Mine.", version=version))
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert "Mine.</textarea>" in html
    assert "<p>Won the race.</p>" in html
    assert hidden_value(html, "version") == "2"
    db.session.expire_all()
    assert entry.learned == "Won the race."
    assert entry.evidence_links == []
    assert entry.questions == []
    assert row_count(AuditEvent) == 0


def test_an_entry_deleted_while_saving_is_404(scene, login_as, make_entry, db, monkeypatch):
    from knowtrans.learning import operations

    entry = make_entry(scene.assignment)
    url = f"/entries/{entry.id}/edit"
    browser = login_as(scene.learner)
    version = hidden_value(browser.get(url).get_data(as_text=True), "version")
    check_version = operations.check_version

    def check_then_lose_the_entry(obj, submitted):
        check_version(obj, submitted)
        table = LearningEntry.__table__
        with db.engine.begin() as connection:
            connection.execute(sa.delete(table).where(table.c.id == obj.id))

    monkeypatch.setattr(operations, "check_version", check_then_lose_the_entry)
    assert browser.post(url, entry_data(version=version)).status_code == 404
    assert entry_rows() == (0, 0, 0)


def test_resolving_twice_changes_nothing(scene, login_as, make_entry, db):
    entry = make_entry(scene.assignment)
    entry.questions = [OpenQuestion(text="Why?")]
    db.session.commit()
    question_id = entry.questions[0].id
    browser = login_as(scene.learner)
    assert browser.post(f"/questions/{question_id}/resolve").status_code == 302
    db.session.expire_all()
    first_resolution = db.session.get(OpenQuestion, question_id).resolved_at
    assert browser.post(f"/questions/{question_id}/resolve").status_code == 302
    db.session.expire_all()
    assert db.session.get(OpenQuestion, question_id).resolved_at == first_resolution
    assert row_count(AuditEvent) == 1


@pytest.mark.parametrize("resolver", ["expert", "it_lead"])
def test_expert_and_it_lead_resolve_questions(scene, login_as, make_entry, make_user, db, resolver):
    entry = make_entry(scene.assignment)
    entry.questions = [OpenQuestion(text="Where are the backups?")]
    db.session.commit()
    question = entry.questions[0]
    user = scene.expert if resolver == "expert" else make_user(Role.IT_LEAD)
    response = login_as(user).post(f"/questions/{question.id}/resolve")
    assert response.status_code == 302
    db.session.expire_all()
    assert question.is_resolved
    assert question.resolved_by_id == user.id
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert event.action == "question.resolve"
    assert event.engagement_id == scene.engagement.id


# --- who may do what --------------------------------------------------------------------


def test_other_staff_cannot_touch_an_assignment_they_cannot_see(
    scene, login_as, make_entry, make_user, db
):
    entry = make_entry(scene.assignment)
    entry.questions = [OpenQuestion(text="Why?")]
    db.session.commit()
    question = entry.questions[0]
    before = entry_rows()
    outsider = login_as(make_user(Role.STAFF))

    assert outsider.get(f"/assignments/{scene.assignment.id}/entries/new").status_code == 404
    assert (
        outsider.post(
            f"/assignments/{scene.assignment.id}/entries/new", entry_data(), form_url="/"
        ).status_code
        == 404
    )
    assert outsider.get(f"/entries/{entry.id}/edit").status_code == 404
    assert outsider.post(f"/entries/{entry.id}/edit", entry_data(), form_url="/").status_code == 404
    assert outsider.post(f"/entries/{entry.id}/delete").status_code == 404
    assert outsider.post(f"/questions/{question.id}/resolve").status_code == 404

    db.session.expire_all()
    assert entry_rows() == before
    assert not question.is_resolved
    assert row_count(AuditEvent) == 0


def test_colleague_on_the_same_engagement_gets_403(
    scene, login_as, make_entry, make_user, make_assignment, make_plan_item, db
):
    entry = make_entry(scene.assignment)
    entry.questions = [OpenQuestion(text="Why?")]
    db.session.commit()
    question = entry.questions[0]
    colleague = make_user(Role.STAFF)
    make_assignment(plan_item=make_plan_item(engagement=scene.engagement), learner=colleague)
    before = entry_rows()
    browser = login_as(colleague)

    assert browser.get(f"/assignments/{scene.assignment.id}").status_code == 200
    assert browser.get(f"/assignments/{scene.assignment.id}/entries/new").status_code == 403
    assert (
        browser.post(
            f"/assignments/{scene.assignment.id}/entries/new", entry_data(), form_url="/"
        ).status_code
        == 403
    )
    assert browser.get(f"/entries/{entry.id}/edit").status_code == 403
    assert browser.post(f"/entries/{entry.id}/edit", entry_data(), form_url="/").status_code == 403
    assert browser.post(f"/entries/{entry.id}/delete").status_code == 403
    assert browser.post(f"/questions/{question.id}/resolve").status_code == 403

    db.session.expire_all()
    assert entry_rows() == before
    assert not question.is_resolved
    assert row_count(AuditEvent) == 0


@pytest.mark.parametrize("role", [Role.CTO, Role.ADMIN, Role.IT_LEAD])
def test_oversight_roles_cannot_record_learning_for_someone_else(
    scene, login_as, make_user, make_entry, role
):
    entry = make_entry(scene.assignment)
    before = entry_rows()
    browser = login_as(make_user(role))
    new_url = f"/assignments/{scene.assignment.id}/entries/new"
    assert browser.get(new_url).status_code == 403
    assert browser.post(new_url, entry_data(), form_url="/").status_code == 403
    assert browser.post(f"/entries/{entry.id}/edit", entry_data(), form_url="/").status_code == 403
    assert browser.post(f"/entries/{entry.id}/delete").status_code == 403
    assert entry_rows() == before


def test_cto_and_experts_of_other_engagements_cannot_resolve_questions(
    scene, login_as, make_entry, make_user, db
):
    entry = make_entry(scene.assignment)
    entry.questions = [OpenQuestion(text="Why?")]
    db.session.commit()
    question = entry.questions[0]
    assert (
        login_as(make_user(Role.CTO)).post(f"/questions/{question.id}/resolve").status_code == 403
    )
    other_expert = make_user(Role.EXPERT)
    assert login_as(other_expert).post(f"/questions/{question.id}/resolve").status_code == 404
    db.session.expire_all()
    assert not question.is_resolved


def test_closed_engagement_refuses_every_change(scene, login_as, make_entry, db):
    entry = make_entry(scene.assignment)
    entry.questions = [OpenQuestion(text="Why?")]
    scene.engagement.status = EngagementStatus.CLOSED
    db.session.commit()
    question = entry.questions[0]
    before = entry_rows()
    browser = login_as(scene.learner)

    new_url = f"/assignments/{scene.assignment.id}/entries/new"
    assert browser.get(new_url).status_code == 403
    assert browser.post(new_url, entry_data(), form_url="/").status_code == 403
    assert browser.post(f"/entries/{entry.id}/edit", entry_data(), form_url="/").status_code == 403
    assert browser.post(f"/entries/{entry.id}/delete").status_code == 403
    assert browser.post(f"/questions/{question.id}/resolve").status_code == 403
    assert login_as(scene.expert).post(f"/questions/{question.id}/resolve").status_code == 403

    db.session.expire_all()
    assert entry_rows() == before
    assert not question.is_resolved


@pytest.mark.parametrize(
    "url",
    [
        "/assignments/999999",
        "/assignments/999999/entries/new",
        "/entries/999999/edit",
    ],
)
def test_unknown_ids_are_404(scene, login_as, url):
    assert login_as(scene.learner).get(url).status_code == 404


@pytest.mark.parametrize("url", ["/entries/999999/delete", "/questions/999999/resolve"])
def test_unknown_ids_in_posts_are_404(scene, login_as, url):
    assert login_as(scene.learner).post(url).status_code == 404


@pytest.mark.parametrize("page", ["abc", "-3", "0", "99999", "1e9"])
def test_odd_page_numbers_do_not_break_lists(scene, login_as, make_entry, page):
    make_entry(scene.assignment)
    browser = login_as(scene.learner)
    for url in ("/my/assignments", f"/assignments/{scene.assignment.id}"):
        response = browser.get(f"{url}?page={page}", follow_redirects=True)
        assert response.status_code == 200
        assert response.request.args.get("page", "1") in ("1", page)


def test_pages_need_login(scene, client):
    for url in (
        "/my/assignments",
        f"/assignments/{scene.assignment.id}",
        f"/assignments/{scene.assignment.id}/entries/new",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_posts_need_a_csrf_token(scene, login_as, make_entry):
    entry = make_entry(scene.assignment)
    browser = login_as(scene.learner)
    before = entry_rows()
    url = f"/assignments/{scene.assignment.id}/entries/new"
    assert browser.client.post(url, data=entry_data()).status_code == 400
    assert browser.client.post(f"/entries/{entry.id}/delete").status_code == 400
    assert entry_rows() == before


# --- bad input ----------------------------------------------------------------------------

LONG_URL = "https://wiki.example.com/" + "a" * 480


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("minutes", "-5", "Enter between 1 and 720 minutes"),
        ("minutes", "0", "Enter between 1 and 720 minutes"),
        ("minutes", "721", "Enter between 1 and 720 minutes"),
        ("minutes", "100000", "Enter between 1 and 720 minutes"),
        ("minutes", "9" * 40, "Enter between 1 and 720 minutes"),
        ("minutes", "abc", "Enter whole minutes, e.g. 90."),
        ("minutes", "1.5", "Enter whole minutes, e.g. 90."),
        ("minutes", "1,5", "Enter whole minutes, e.g. 90."),
        ("minutes", "90 min", "Enter whole minutes, e.g. 90."),
        ("minutes", "", "Enter the minutes spent"),
        ("date", (today() + timedelta(days=1)).isoformat(), "cannot be in the future"),
        ("date", "2001-01-01", "cannot be before"),
        ("date", "2024-13-45", "Not a valid date value"),
        ("date", "yesterday", "Not a valid date value"),
        ("date", "", "Enter the day you learned this."),
        ("activity", "sleeping", "Choose one of the listed activities."),
        ("activity", "", "Choose one of the listed activities."),
        ("learned", "", "Write down what you learned."),
        ("learned", "   \n  ", "Write down what you learned."),
        ("learned", "x" * 20001, "cannot be longer than 20000"),
        ("learned", "null\x00byte", "characters that are not allowed"),
        ("evidence", "javascript:alert(1)", 'Link 1 ("javascript:alert(1)") is not a web address'),
        ("evidence", "file:///etc/passwd", 'Link 1 ("file:///etc/passwd") is not a web address'),
        ("evidence", "data:text/html,<b>x</b>", 'Link 1 ("data:text/html,<b>x</b>")'),
        ("evidence", "https://ok.example.com\n/wiki/runbook", 'Link 2 ("/wiki/runbook")'),
        ("evidence", "www.example.com/runbook", "is not a web address"),
        ("evidence", "https://", "is not a web address"),
        ("evidence", "http://exa mple.com", "is not a web address"),
        ("evidence", "http://example.com:99999/", "is not a web address"),
        ("evidence", "ftp://files.example.com/x", "is not a web address"),
        ("evidence", LONG_URL, "Link 1 is longer than 500 characters"),
        (
            "evidence",
            "\n".join(f"https://example.com/{n}" for n in range(11)),
            "At most 10 links",
        ),
        ("evidence", "https://example.com/\x00", "characters that are not allowed"),
        ("self_level", "0", "Choose a level from the list."),
        ("self_level", "6", "Choose a level from the list."),
        ("self_level", "abc", "Choose a level from the list."),
        ("questions", "\n".join(f"Question {n}?" for n in range(11)), "At most 10 questions"),
        ("questions", "ok?\n" + "q" * 501, "Question 2 is longer than 500 characters"),
        ("questions", "Why\x00?", "characters that are not allowed"),
    ],
)
def test_bad_input_is_refused_at_the_field(scene, login_as, field, value, message):
    before = entry_rows()
    response = login_as(scene.learner).post(
        f"/assignments/{scene.assignment.id}/entries/new",
        entry_data(**{field: value, "learned": "Kept text." if field != "learned" else value}),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in unescape(html)
    assert f'id="{field}-error"' in html
    if field != "learned":
        assert "Kept text." in html
    assert entry_rows() == before
    assert row_count(AuditEvent) == 0


def test_earliest_date_is_thirty_days_before_the_engagement(scene, login_as, db):
    scene.engagement.start_date = today() - timedelta(days=10)
    db.session.commit()
    url = f"/assignments/{scene.assignment.id}/entries/new"
    browser = login_as(scene.learner)
    too_early = (today() - timedelta(days=41)).isoformat()
    assert browser.post(url, entry_data(date=too_early)).status_code == 200
    earliest = (today() - timedelta(days=40)).isoformat()
    assert browser.post(url, entry_data(date=earliest)).status_code == 302
    assert row_count(LearningEntry) == 1


def test_blank_lines_and_duplicates_are_ignored(scene, login_as, db):
    response = login_as(scene.learner).post(
        f"/assignments/{scene.assignment.id}/entries/new",
        entry_data(
            evidence="\n  https://a.example.com/x  \n\nhttps://a.example.com/x\r\nHTTPS://B.example.com\n",
            questions="\n\nWhy?\nWhy?\n",
            self_level="",
        ),
    )
    assert response.status_code == 302
    entry = db.session.scalars(sa.select(LearningEntry)).one()
    assert [link.url for link in entry.evidence_links] == [
        "https://a.example.com/x",
        "HTTPS://B.example.com",
    ]
    assert [q.text for q in entry.questions] == ["Why?"]
    assert entry.self_level is None


def test_phase_of_the_assignment_is_shown(scene, login_as, db):
    scene.assignment.phase = Phase.REVERSE_SHADOWING
    db.session.commit()
    html = login_as(scene.learner).get(f"/assignments/{scene.assignment.id}").get_data(as_text=True)
    assert "Reverse shadowing" in html


def test_the_same_entry_sent_twice_is_recorded_once(scene, login_as, db):
    """Back after recording, then submit again: the entry is not doubled."""
    browser = login_as(scene.learner)
    new_url = f"/assignments/{scene.assignment.id}/entries/new"
    first = browser.post(new_url, entry_data())
    again = browser.post(new_url, entry_data())
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert row_count(LearningEntry) == 1
    assert "recorded already; nothing was added" in browser.get(again.headers["Location"]).get_data(
        as_text=True
    )
    # a second session of the same kind with other words is a new entry
    browser.post(new_url, entry_data(learned="Drained a second node on my own."))
    assert row_count(LearningEntry) == 2


def test_the_entry_date_rule_is_the_operations(scene, db):
    from knowtrans.learning import operations
    from knowtrans.learning.forms import EntryForm  # noqa: F401 - the form no longer checks it

    scene.engagement.start_date = today() - timedelta(days=10)
    db.session.commit()
    for day, message in (
        (today() + timedelta(days=1), "cannot be in the future"),
        (today() - timedelta(days=41), "days before the engagement started"),
    ):
        details = operations.EntryDetails(
            date=day,
            activity=operations.Activity.PAIRING,
            minutes=30,
            learned="x",
            evidence_urls=[],
            self_level=None,
            questions=[],
        )
        with pytest.raises(operations.Refused, match=message) as refused:
            operations.create_entry(scene.assignment, details, actor=scene.learner)
        assert refused.value.field == "date"


def test_a_stale_form_of_a_deleted_entry_never_edits_the_next_one(scene, login_as, db):
    """The id of a deleted entry is not handed out again (SQLite reused the last one): the
    form still open in another tab answers 404, and the new entry keeps its text."""
    browser = login_as(scene.learner)
    new_url = f"/assignments/{scene.assignment.id}/entries/new"
    assert browser.post(new_url, entry_data(learned="The first entry.")).status_code == 302
    first = db.session.scalars(sa.select(LearningEntry)).one()
    stale_url = f"/entries/{first.id}/edit"
    stale_version = hidden_value(browser.get(stale_url).get_data(as_text=True), "version")

    assert browser.post(f"/entries/{first.id}/delete").status_code == 302
    assert browser.post(new_url, entry_data(learned="The second entry.")).status_code == 302
    second = db.session.scalars(sa.select(LearningEntry)).one()
    assert second.id != first.id

    stale = entry_data(learned="Typed in the old tab.", version=stale_version)
    assert browser.post(stale_url, stale).status_code == 404
    db.session.expire_all()
    assert second.learned == "The second entry."
