"""Saves that lose a race answer a conflict message, never a 500 (knowtrans.core.web).

The race is played without threads: the operation under test is wrapped so that another
writer changes or removes the row (committed on its own connection) just before the view's
own UPDATE or DELETE, which then matches nothing and raises StaleDataError. The forms with
their own conflict notice (editing an engagement, a plan item, its notes, a learning entry, a
skill; removing a plan item or an entry) are tested in their feature's test file.
"""

import importlib
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from knowtrans.audit.models import AuditEvent
from knowtrans.confirmations.models import LevelConfirmation
from knowtrans.core.clock import today
from knowtrans.core.concurrency import EditConflict
from knowtrans.core.pipeline import CONFLICT_MESSAGE
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db as _db
from knowtrans.learning.models import LearningEntry, OpenQuestion
from knowtrans.plans.models import Assignment, LearnerRole, Phase
from knowtrans.reports.models import HandoverReport
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role
from tests.conftest import commit_elsewhere, row_count


def delete_row(model, row_id: int) -> None:
    """Another writer removed the row (an unassignment, an edited entry's question)."""
    table = model.__table__
    with _db.engine.begin() as connection:
        connection.execute(sa.delete(table).where(table.c.id == row_id))


@dataclass
class Race:
    url: str
    data: dict[str, str]
    form_url: str
    user: Any
    #: the operation the view calls, as (module, name); it loses the race
    operation: tuple[str, str]
    #: what the other writer does just before the operation
    other_writer: Any
    #: asserts that the view's change was not made, and the other writer's stands
    unchanged: Any


@pytest.fixture
def races(make_user, make_skill, make_engagement, make_assignment, make_entry):
    cto = make_user(Role.CTO)

    def skill_archive() -> Race:
        skill = make_skill(name="Terraform")

        def unchanged():
            saved = _db.session.get(Skill, skill.id)
            assert (saved.archived, saved.description) == (False, "Changed meanwhile")

        return Race(
            f"/skills/{skill.id}/archive",
            {},
            "/skills",
            cto,
            ("knowtrans.skills.operations", "archive_skill"),
            lambda: commit_elsewhere(Skill, skill.id, description="Changed meanwhile"),
            unchanged,
        )

    def skill_restore() -> Race:
        skill = make_skill(name="Terraform", archived=True)

        def unchanged():
            saved = _db.session.get(Skill, skill.id)
            assert (saved.archived, saved.description) == (True, "Changed meanwhile")

        return Race(
            f"/skills/{skill.id}/restore",
            {},
            "/skills?archived=y",
            cto,
            ("knowtrans.skills.operations", "restore_skill"),
            lambda: commit_elsewhere(Skill, skill.id, description="Changed meanwhile"),
            unchanged,
        )

    def engagement_status() -> Race:
        engagement = make_engagement(status=EngagementStatus.PLANNED, title="Original")

        def unchanged():
            saved = _db.session.get(Engagement, engagement.id)
            assert (saved.status, saved.title) == (EngagementStatus.PLANNED, "Changed meanwhile")

        return Race(
            f"/engagements/{engagement.id}/advance",
            {"current": "planned"},
            f"/engagements/{engagement.id}",
            cto,
            ("knowtrans.engagements.operations", "advance_status"),
            lambda: commit_elsewhere(Engagement, engagement.id, title="Changed meanwhile"),
            unchanged,
        )

    def closing() -> Race:
        engagement = make_engagement(status=EngagementStatus.ACTIVE, title="Original")

        def unchanged():
            saved = _db.session.get(Engagement, engagement.id)
            assert (saved.status, saved.title) == (EngagementStatus.ACTIVE, "Changed meanwhile")
            assert not saved.is_locked  # the request to close was undone with the rest
            assert row_count(HandoverReport) == 0

        return Race(
            f"/engagements/{engagement.id}/close",
            {"justification": "", "confirm": "y"},
            f"/engagements/{engagement.id}/close",
            cto,
            ("knowtrans.closing.operations", "request_close"),
            lambda: commit_elsewhere(Engagement, engagement.id, title="Changed meanwhile"),
            unchanged,
        )

    def assignment_race(path: str, data: dict[str, str], operation: str) -> Race:
        assignment = make_assignment(phase=Phase.SHADOWING, role=LearnerRole.PRIMARY)

        def unchanged():
            assert row_count(Assignment) == 0

        return Race(
            f"/assignments/{assignment.id}/{path}",
            data,
            f"/assignments/{assignment.id}",
            cto,
            ("knowtrans.plans.operations", operation),
            lambda: delete_row(Assignment, assignment.id),
            unchanged,
        )

    def question_resolve() -> Race:
        entry = make_entry()
        entry.questions = [OpenQuestion(text="Where do the backups go?")]
        _db.session.commit()
        question_id = entry.questions[0].id

        def unchanged():
            assert row_count(OpenQuestion) == 0

        return Race(
            f"/questions/{question_id}/resolve",
            {},
            f"/assignments/{entry.assignment_id}",
            entry.assignment.learner,
            ("knowtrans.learning.operations", "resolve_question"),
            lambda: delete_row(OpenQuestion, question_id),
            unchanged,
        )

    def entry_on_a_removed_assignment(kind: str) -> Race:
        """The learner saves learning (or the expert a confirmation) on an assignment the CTO
        removes at that moment: the INSERT refers to a row that is gone."""
        assignment = make_assignment(phase=Phase.SHADOWING)
        expert = assignment.plan_item.engagement.expert
        if kind == "entry":
            url = f"/assignments/{assignment.id}/entries/new"
            data = {"date": today().isoformat(), "activity": "pairing", "minutes": "30"}
            data["learned"] = "Read the runbook."
            user, operation = assignment.learner, ("knowtrans.learning.operations", "create_entry")
        else:
            url = f"/assignments/{assignment.id}/confirm"
            data = {"level": "2", "comment": ""}
            user = expert
            operation = ("knowtrans.confirmations.operations", "confirm_level")

        def unchanged():
            assert row_count(Assignment) == 0
            assert row_count(LearningEntry) == 0
            assert row_count(LevelConfirmation) == 0

        return Race(
            url,
            data,
            url,
            user,
            operation,
            lambda: delete_row(Assignment, assignment.id),
            unchanged,
        )

    return {
        "entry on a removed assignment": lambda: entry_on_a_removed_assignment("entry"),
        "confirmation on a removed assignment": lambda: entry_on_a_removed_assignment("confirm"),
        "skill archive": skill_archive,
        "skill restore": skill_restore,
        "engagement status": engagement_status,
        "closing": closing,
        "learner phase": lambda: assignment_race("phase", {"phase": "independent"}, "set_phase"),
        "learner role": lambda: assignment_race(
            "role", {"learner_role": "backup"}, "set_learner_role"
        ),
        "question resolve": question_resolve,
    }


def lose_the_race(monkeypatch, race: Race) -> None:
    module, name = race.operation
    original = getattr(importlib.import_module(module), name)

    def other_writer_first(*args, **kwargs):
        race.other_writer()
        return original(*args, **kwargs)

    monkeypatch.setattr(f"{module}.{name}", other_writer_first)


@pytest.mark.parametrize(
    "path",
    [
        "entry on a removed assignment",
        "confirmation on a removed assignment",
        "skill archive",
        "skill restore",
        "engagement status",
        "closing",
        "learner phase",
        "learner role",
        "question resolve",
    ],
)
def test_a_save_that_loses_a_race_answers_a_conflict(login_as, races, monkeypatch, path):
    race = races[path]()
    browser = login_as(race.user)
    lose_the_race(monkeypatch, race)
    response = browser.post(race.url, race.data, form_url=race.form_url)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"  # no referrer: the start page
    page = browser.get(response.headers["Location"])
    assert page.status_code == 200
    assert CONFLICT_MESSAGE in page.get_data(as_text=True)
    _db.session.expire_all()
    race.unchanged()
    assert row_count(AuditEvent) == 0


@pytest.mark.parametrize(
    ("referrer", "location"),
    [
        ("http://localhost/skills?q=terra&page=2", "/skills?q=terra&page=2"),
        ("http://localhost/skills", "/skills"),
        ("https://elsewhere.example/skills", "/"),
        ("http://localhost//elsewhere.example/", "/"),
        ("not a url", "/"),
    ],
)
def test_the_conflict_goes_back_to_a_local_referrer_only(
    login_as, races, monkeypatch, referrer, location
):
    race = races["skill archive"]()
    browser = login_as(race.user)
    lose_the_race(monkeypatch, race)
    response = browser.post(
        race.url, race.data, form_url=race.form_url, headers={"Referer": referrer}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == location


def test_an_edit_conflict_no_view_answers_is_a_conflict_too(
    login_as, make_user, make_skill, monkeypatch
):
    """EditConflict raised where no form shows a notice (a safety net): the same answer."""
    skill = make_skill(name="Terraform")
    browser = login_as(make_user(Role.CTO))

    def refuse(*args, **kwargs):
        raise EditConflict()

    monkeypatch.setattr("knowtrans.skills.operations.archive_skill", refuse)
    response = browser.post(f"/skills/{skill.id}/archive", form_url="/skills")
    assert response.status_code == 303
    assert CONFLICT_MESSAGE in browser.get("/").get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Skill, skill.id).archived is False


def test_other_integrity_errors_stay_errors(login_as, make_user, make_skill, monkeypatch, caplog):
    """Only a reference to a removed row is a conflict; a unique or check violation no form
    catches is a defect: a 500 page and the traceback in the log, not a misleading message."""
    skill = make_skill(name="Terraform")
    browser = login_as(make_user(Role.CTO))

    def violate(*args, **kwargs):
        _db.session.execute(
            sa.text("INSERT INTO skills (id, name) VALUES (:id, NULL)"), {"id": skill.id}
        )

    monkeypatch.setattr("knowtrans.skills.operations.archive_skill", violate)
    response = browser.post(f"/skills/{skill.id}/archive", form_url="/skills")
    assert response.status_code == 500
    assert CONFLICT_MESSAGE not in response.get_data(as_text=True)
    assert any(record.exc_info for record in caplog.records)
