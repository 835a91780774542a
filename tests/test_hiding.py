"""Hiding learning entries (one, or a learner's in bulk) and the write budget per user."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from knowtrans.audit.models import AuditEvent
from knowtrans.core.clock import today, utcnow
from knowtrans.learning.models import LearningEntry, OpenQuestion
from knowtrans.learning.queries import assignment_summaries
from knowtrans.reports.build import build_report
from knowtrans.reports.data import gather_report_data
from knowtrans.users.models import Role
from tests.conftest import row_count
from tests.test_reports import pdf_text


@pytest.fixture
def setup(make_user, make_engagement, make_plan_item, make_assignment, make_entry):
    expert = make_user(Role.EXPERT, name="Jonas Weber")
    engagement = make_engagement(expert=expert, title="Platform handover")
    item = make_plan_item(engagement=engagement)
    learner = make_user(Role.STAFF, name="Maria Lopez")
    other = make_user(Role.STAFF, name="Tom Becker")
    assignment = make_assignment(item, learner)
    other_assignment = make_assignment(item, other)
    return {
        "engagement": engagement,
        "expert": expert,
        "learner": learner,
        "other": other,
        "assignment": assignment,
        "other_assignment": other_assignment,
        "entry": make_entry(assignment, minutes=90, learned="Rotated the etcd certificates."),
        "cto": make_user(Role.CTO, name="Helena Brandt"),
        "it_lead": make_user(Role.IT_LEAD, name="Markus Klein"),
    }


def hide(browser, entry, reason="Recorded by a script, not learning."):
    data = {"reason": reason, "version": str(entry.version)}
    return browser.post(f"/entries/{entry.id}/hide", data)


def test_a_lead_hides_an_entry_and_the_learner_sees_why(db, setup, login_as):
    entry = setup["entry"]
    response = hide(login_as(setup["it_lead"]), entry, "Contains a customer password.")
    assert response.status_code == 302

    db.session.expire_all()
    assert entry.is_hidden
    assert entry.hidden_by == setup["it_lead"]
    assert entry.hidden_reason == "Contains a customer password."
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "learning_entry.hide")
    )
    assert event.actor == setup["it_lead"]
    assert "Contains a customer password." in event.summary

    learner = login_as(setup["learner"])
    page = learner.get(f"/assignments/{setup['assignment'].id}").get_data(as_text=True)
    assert "Rotated the etcd certificates." not in page
    assert "1 entry is hidden" in page
    assert "Markus Klein hid 1 entry" in page
    assert "Contains a customer password." in page
    hidden_page = learner.get(f"/assignments/{setup['assignment'].id}?hidden=1")
    text = hidden_page.get_data(as_text=True)
    assert "Hidden by Markus Klein" in text
    assert "Contains a customer password." in text
    assert "Show the hidden text" in text  # the author may still read what they wrote
    assert "Show again" not in text  # but cannot undo it
    colleague = login_as(setup["other"]).get(f"/assignments/{setup['assignment'].id}?hidden=1")
    assert "Contains a customer password." in colleague.get_data(as_text=True)
    assert "Rotated the etcd certificates." not in colleague.get_data(as_text=True)
    # nor edit or delete it: told why, on the list of hidden entries
    assert "hidden=1" in learner.get(f"/entries/{entry.id}/edit").headers["Location"]
    assert learner.post(f"/entries/{entry.id}/delete", {}).status_code == 302
    assert db.session.get(LearningEntry, entry.id) is not None


def test_hidden_entries_count_nowhere(db, setup, make_entry):
    entry = setup["entry"]
    entry.questions.append(OpenQuestion(text="Where is the runbook?"))
    make_entry(setup["assignment"], minutes=30, learned="Read the runbook.", self_level=2)
    entry.self_level = 4
    db.session.commit()
    from knowtrans.learning import operations

    operations.hide_entry(entry, reason="A mistake.", actor=setup["cto"])
    db.session.commit()
    summary = assignment_summaries([setup["assignment"].id])[setup["assignment"].id]
    assert (summary.entries, summary.minutes, summary.open_questions) == (1, 30, 0)
    assert summary.hidden == 1
    assert summary.self_assessed_level == 2


def test_hiding_needs_a_reason_and_writes_nothing_without_one(db, setup, login_as):
    response = hide(login_as(setup["cto"]), setup["entry"], "   ")
    assert response.status_code == 200
    assert "Say why: the learner sees the reason." in response.get_data(as_text=True)
    db.session.expire_all()
    assert not setup["entry"].is_hidden
    assert row_count(AuditEvent) == 0


def test_a_hidden_entry_is_shown_again(db, setup, login_as):
    lead = login_as(setup["cto"])
    hide(lead, setup["entry"])
    page = lead.get(f"/assignments/{setup['assignment'].id}?hidden=1").get_data(as_text=True)
    assert "Show again" in page
    response = lead.post(
        f"/entries/{setup['entry'].id}/show", form_url=f"/assignments/{setup['assignment'].id}"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert not setup["entry"].is_hidden
    assert setup["entry"].hidden_reason is None
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["learning_entry.hide", "learning_entry.show"]


def test_an_edit_opened_before_a_bulk_hiding_is_refused_as_a_conflict(db, setup, login_as):
    """The bulk UPDATE moves each entry's version: a lead who opened the single-entry form
    before the bulk hiding and then shows it... sees a conflict, not a silent overwrite."""
    from knowtrans.learning import operations

    entry = setup["entry"]
    lead = login_as(setup["it_lead"])
    form = lead.get(f"/entries/{entry.id}/hide").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{entry.version}"' in form
    version = entry.version
    operations.hide_entries(
        setup["engagement"].id,
        setup["learner"],
        recorded_from=utcnow() - timedelta(days=1),
        recorded_until=utcnow() + timedelta(minutes=1),
        reason="Flood.",
        actor=setup["cto"],
    )
    operations.show_entry(db.session.get(LearningEntry, entry.id), actor=setup["cto"])
    db.session.commit()
    response = lead.post(
        f"/entries/{entry.id}/hide", {"reason": "Mine.", "version": str(version)}, form_url="/"
    )
    assert response.status_code == 200
    assert "Nothing was hidden." in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(LearningEntry, entry.id).is_hidden


def add_entries(db, assignment, count, *, recorded_at, learned="Spam"):
    db.session.execute(
        sa.insert(LearningEntry),
        [
            {
                "assignment_id": assignment.id,
                "date": today(),
                "activity": "self_study",
                "minutes": 5,
                "learned": f"{learned} {n}",
                "created_at": recorded_at + timedelta(seconds=n),
                "updated_at": recorded_at + timedelta(seconds=n),
            }
            for n in range(count)
        ],
    )
    db.session.commit()


def previewed(browser, engagement, criteria) -> tuple[str, dict[str, str]]:
    """The preview page, and the POST data its form carries (the moment of the preview)."""
    page = browser.get(f"/engagements/{engagement.id}/entries/hide", query_string=criteria)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    form = text[text.find('<form method="post"') :]
    hidden = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*type="hidden" value="([^"]*)"', form))
    hidden.update(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    hidden.pop("csrf_token", None)
    return text, hidden


def test_a_learners_entries_are_hidden_in_bulk_by_time_range(db, setup, login_as):
    flood_start = (utcnow() - timedelta(hours=3)).replace(second=0, microsecond=0)
    add_entries(db, setup["assignment"], 40, recorded_at=flood_start)
    add_entries(db, setup["other_assignment"], 5, recorded_at=flood_start, learned="Tom")
    engagement = setup["engagement"]
    lead = login_as(setup["it_lead"])
    criteria = {
        "learner": str(setup["learner"].id),
        "recorded_from": flood_start.strftime("%Y-%m-%dT%H:%M"),
        "recorded_until": (flood_start + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    text, data = previewed(lead, engagement, criteria)
    assert "40 entries of Maria Lopez would be hidden" in text
    assert "Spam 39" in text  # the newest shown for recognition
    assert row_count(AuditEvent) == 0  # a preview writes nothing

    response = lead.post(
        f"/engagements/{engagement.id}/entries/hide",
        {**data, "reason": "Saved by a script in a loop."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    hidden = db.session.scalars(
        sa.select(LearningEntry.learned).where(LearningEntry.hidden_at.is_not(None))
    ).all()
    assert len(hidden) == 40
    assert all(text.startswith("Spam") for text in hidden)
    assert not setup["entry"].is_hidden  # recorded now, outside the range
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [event.action for event in events] == ["learning_entry.hide_many"]
    assert "Hid 40 learning entries of Maria Lopez" in events[0].summary
    assert "Saved by a script in a loop." in events[0].summary

    page = login_as(setup["learner"]).get(f"/assignments/{setup['assignment'].id}")
    assert "Markus Klein hid 40 entries" in page.get_data(as_text=True)

    data = gather_report_data(
        engagement.id,
        final=False,
        generated_by=setup["it_lead"],
        generated_at=utcnow(),
        identifier="KT-test",
    )
    assert data.log_total == 6  # Maria's own entry and Tom's five
    assert data.hidden_total == 40
    assert [(row.learner, row.entries, row.reason) for row in data.hidden] == [
        ("Maria Lopez", 40, "Saved by a script in a loop.")
    ]
    text = pdf_text(build_report(engagement.id, final=False, generated_by=setup["cto"]).pdf)
    assert "Hidden entries" in text
    assert "Saved by a script in a loop." in text
    assert "Spam 1" not in text


def test_bulk_hiding_hides_what_the_preview_showed_and_nothing_recorded_after(
    db, setup, login_as, make_entry
):
    engagement = setup["engagement"]
    lead = login_as(setup["cto"])
    criteria = {"learner": str(setup["learner"].id)}  # today until now, by default
    text, data = previewed(lead, engagement, criteria)
    assert "1 entry of Maria Lopez would be hidden" in text
    later = make_entry(setup["assignment"], learned="Recorded after the preview.")
    response = lead.post(
        f"/engagements/{engagement.id}/entries/hide",
        {
            **data,
            "recorded_until": (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Flood.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert setup["entry"].is_hidden
    assert not later.is_hidden


def test_the_bulk_link_of_an_assignment_opens_a_preview_without_errors(db, setup, login_as):
    page = login_as(setup["cto"]).get(
        f"/engagements/{setup['engagement'].id}/entries/hide?learner={setup['learner'].id}"
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="error"' not in text
    assert "1 entry of Maria Lopez would be hidden" in text


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-12-02T10:00", "2026-12-02T09:00", "The end of the range must be after its start."),
        ("2026-12-02T10:00", "9999-12-31T23:59", "between the years 2000 and 2099"),
        ("0001-01-01T00:00", "2026-12-02T09:00", "between the years 2000 and 2099"),
        ("yesterday", "2026-12-02T09:00", "Enter a date and time"),
    ],
)
def test_bulk_hiding_refuses_a_range_it_cannot_use(db, setup, login_as, start, end, message):
    lead = login_as(setup["cto"])
    criteria = {"learner": str(setup["learner"].id), "recorded_from": start, "recorded_until": end}
    preview = lead.get(f"/engagements/{setup['engagement'].id}/entries/hide", query_string=criteria)
    assert preview.status_code == 200
    assert message in preview.get_data(as_text=True)
    response = lead.post(
        f"/engagements/{setup['engagement'].id}/entries/hide",
        {**criteria, "previewed_at": utcnow().isoformat(), "reason": "Flood."},
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert row_count(AuditEvent) == 0


def test_bulk_hiding_needs_a_preview_and_a_reason(db, setup, login_as):
    lead = login_as(setup["cto"])
    criteria = {"learner": str(setup["learner"].id)}
    _, data = previewed(lead, setup["engagement"], criteria)
    url = f"/engagements/{setup['engagement'].id}/entries/hide"
    without_reason = lead.post(url, {**data, "reason": "  "})
    assert "Say why: the learner sees the reason." in without_reason.get_data(as_text=True)
    without_preview = lead.post(url, {**data, "previewed_at": "", "reason": "Flood."})
    assert "Show what would be hidden first" in without_preview.get_data(as_text=True)
    db.session.expire_all()
    assert not setup["entry"].is_hidden


def test_bulk_hiding_offers_only_the_engagements_learners(db, setup, login_as, make_user):
    stranger = make_user(Role.STAFF, name="Stranger Danger")
    response = login_as(setup["cto"]).post(
        f"/engagements/{setup['engagement'].id}/entries/hide",
        {
            "learner": str(stranger.id),
            "recorded_from": "2026-12-01T10:00",
            "recorded_until": "2026-12-02T09:00",
            "previewed_at": utcnow().isoformat(),
            "reason": "Flood.",
        },
    )
    assert response.status_code == 200
    assert "Choose a learner from the list." in response.get_data(as_text=True)


def test_one_act_of_hiding_is_undone_at_once(db, setup, login_as):
    from knowtrans.learning import operations

    flood_start = utcnow() - timedelta(hours=2)
    add_entries(db, setup["assignment"], 12, recorded_at=flood_start)
    operations.hide_entries(
        setup["engagement"].id,
        setup["learner"],
        recorded_from=flood_start - timedelta(minutes=1),
        recorded_until=flood_start + timedelta(hours=1),
        reason="Flood.",
        actor=setup["cto"],
    )
    operations.hide_entry(setup["entry"], reason="A mistake of its own.", actor=setup["cto"])
    db.session.commit()
    lead = login_as(setup["it_lead"])
    page = lead.get(f"/assignments/{setup['assignment'].id}").get_data(as_text=True)
    assert "Show these again" in page
    moment = re.search(r'name="hidden_at" value="([^"]+)"', page).group(1)
    response = lead.post(
        f"/engagements/{setup['engagement'].id}/entries/show",
        {"learner": str(setup["learner"].id), "hidden_at": moment},
        form_url=f"/assignments/{setup['assignment'].id}",
    )
    assert response.status_code == 302
    summary = assignment_summaries([setup["assignment"].id])[setup["assignment"].id]
    assert (summary.entries, summary.hidden) == (12, 1)  # the other act stands
    assert "learning_entry.show_many" in db.session.scalars(sa.select(AuditEvent.action)).all()

    # the same button in a second tab: nothing left to show, and the page says so
    again = lead.post(
        f"/engagements/{setup['engagement'].id}/entries/show",
        {"learner": str(setup["learner"].id), "hidden_at": moment},
        form_url=f"/assignments/{setup['assignment'].id}",
    )
    assert "These entries of Maria Lopez are shown already." in lead.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("learning_entry.show_many") == 1


def test_the_learner_meets_a_hidden_entry_with_the_reason_and_keeps_their_text(db, setup, login_as):
    learner = login_as(setup["learner"])
    entry = setup["entry"]
    learner.get(f"/entries/{entry.id}/edit")
    hide(login_as(setup["cto"]), entry, "Recorded twice.")
    response = learner.post(
        f"/entries/{entry.id}/edit",
        {
            "date": today().isoformat(),
            "activity": "pairing",
            "minutes": "60",
            "learned": "What I typed while it was hidden.",
            "version": "1",
        },
        form_url="/",
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Helena Brandt hid this entry on" in text
    assert "Recorded twice." in text
    assert "What I typed while it was hidden." in text
    assert "Save changes" not in text
    opened = learner.get(f"/entries/{entry.id}/edit")
    assert opened.status_code == 302
    assert "hidden=1" in opened.headers["Location"]
    assert learner.post(f"/entries/{entry.id}/delete", form_url="/").status_code == 302
    db.session.expire_all()
    assert db.session.get(LearningEntry, entry.id).learned == "Rotated the etcd certificates."


def test_questions_of_a_hidden_entry_cannot_be_resolved(db, setup, login_as):
    question = OpenQuestion(entry=setup["entry"], text="Where?")
    db.session.add(question)
    db.session.commit()
    hide(login_as(setup["cto"]), setup["entry"])
    response = login_as(setup["learner"]).post(
        f"/questions/{question.id}/resolve", form_url=f"/assignments/{setup['assignment'].id}"
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert not question.is_resolved


# --- the write budget ------------------------------------------------------------------------


def entry_data(text="Walked through the failover runbook."):
    return {
        "date": today().isoformat(),
        "activity": "pairing",
        "minutes": "30",
        "learned": text,
    }


def test_a_learner_who_saves_faster_than_a_person_writes_is_stopped(
    app, db, setup, login_as, monkeypatch
):
    monkeypatch.setitem(app.config, "WRITE_LIMIT_PER_USER", "3/minute;10/day")
    learner = login_as(setup["learner"])
    url = f"/assignments/{setup['assignment'].id}/entries/new"
    for n in range(3):
        assert learner.post(url, entry_data(f"Entry {n}")).status_code == 302
    response = learner.post(url, entry_data("The fourth in a minute"))
    text = response.get_data(as_text=True)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "You have saved 3 times in one minute" in text
    assert "The fourth in a minute" in text  # what the learner typed stays in the form
    assert row_count(LearningEntry) == 4  # the fixture's entry and three
    # a refused form does not use up the budget: only saves count
    assert learner.post(url, {"learned": ""}).status_code == 200


def test_a_save_refused_by_the_daily_limit_leaves_the_minute_alone(
    app, db, setup, login_as, monkeypatch
):
    from knowtrans.core import limits

    monkeypatch.setitem(app.config, "WRITE_LIMIT_PER_USER", "5/minute;2/day")
    learner = login_as(setup["learner"])
    url = f"/assignments/{setup['assignment'].id}/entries/new"
    for n in range(3):
        learner.post(url, entry_data(f"Entry {n}"))
    minute, _day = limits._write_limits()
    remaining = limits.limiter.limiter.get_window_stats(
        minute, limits.SCOPE, str(setup["learner"].id)
    )[1]
    assert remaining == 3  # two saves counted; the refused third did not


def test_the_budget_covers_buttons_too(app, db, setup, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "WRITE_LIMIT_PER_USER", "1/minute")
    question = OpenQuestion(entry=setup["entry"], text="Where?")
    second = OpenQuestion(entry=setup["entry"], text="Who?")
    db.session.add_all([question, second])
    db.session.commit()
    learner = login_as(setup["learner"])
    form_url = f"/assignments/{setup['assignment'].id}"
    assert learner.post(f"/questions/{question.id}/resolve", form_url=form_url).status_code == 302
    response = learner.post(f"/questions/{second.id}/resolve", form_url=form_url)
    assert response.status_code == 429
    assert "Nothing was saved" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not second.is_resolved


def test_each_user_has_a_budget_of_their_own(app, db, setup, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "WRITE_LIMIT_PER_USER", "1/minute")
    maria, tom = login_as(setup["learner"]), login_as(setup["other"])
    assert (
        maria.post(f"/assignments/{setup['assignment'].id}/entries/new", entry_data()).status_code
        == 302
    )
    assert (
        tom.post(
            f"/assignments/{setup['other_assignment'].id}/entries/new", entry_data()
        ).status_code
        == 302
    )


def test_confirmations_and_handover_notes_use_the_budget(app, db, setup, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "WRITE_LIMIT_PER_USER", "1/minute")
    expert = login_as(setup["expert"])
    confirm = f"/assignments/{setup['assignment'].id}/confirm"
    assert expert.post(confirm, {"level": "2", "comment": "Solid."}).status_code == 302
    response = expert.post(confirm, {"level": "3", "comment": "Even better."})
    assert response.status_code == 429
    assert "Even better." in response.get_data(as_text=True)
    item = setup["assignment"].plan_item
    response = expert.post(
        f"/plan-items/{item.id}/notes",
        {"handover_notes": "Runbooks live in git.", "version": str(item.version)},
    )
    assert response.status_code == 429
    assert "Runbooks live in git." in response.get_data(as_text=True)
    db.session.expire_all()
    assert item.handover_notes == ""


def test_a_pasted_password_is_erased_for_good(db, setup, login_as):
    entry = setup["entry"]
    entry.learned = "The admin password is hunter2-hunter2."
    entry.questions.append(OpenQuestion(text="Is hunter2 still valid?"))
    db.session.commit()
    lead = login_as(setup["it_lead"])
    response = lead.post(
        f"/entries/{entry.id}/hide",
        {"reason": "Contains a password.", "erase": "y", "version": str(entry.version)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert entry.is_hidden
    assert entry.text_erased
    assert entry.learned == ""
    assert row_count(OpenQuestion) == 0
    summaries = db.session.scalars(sa.select(AuditEvent.summary)).all()
    assert len(summaries) == 2
    assert not any("hunter2" in summary for summary in summaries)

    page = lead.get(f"/assignments/{setup['assignment'].id}?hidden=1").get_data(as_text=True)
    assert "were erased for good" in page
    assert "Show again" not in page
    refused = lead.post(f"/entries/{entry.id}/show", form_url="/")
    assert refused.status_code == 302
    db.session.expire_all()
    assert entry.is_hidden


def test_a_hidden_entry_can_be_erased_later_and_bulk_showing_skips_it(db, setup, login_as):
    from knowtrans.learning import operations

    entry = setup["entry"]
    operations.hide_entries(
        setup["engagement"].id,
        setup["learner"],
        recorded_from=utcnow() - timedelta(days=1),
        recorded_until=utcnow() + timedelta(minutes=1),
        reason="Flood.",
        actor=setup["cto"],
    )
    db.session.commit()
    lead = login_as(setup["cto"])
    hidden_list = f"/assignments/{setup['assignment'].id}?hidden=1"
    assert lead.post(f"/entries/{entry.id}/erase", form_url=hidden_list).status_code == 302
    db.session.expire_all()
    assert entry.text_erased
    again = lead.post(f"/entries/{entry.id}/erase", form_url=hidden_list)
    assert "The text of this entry was erased already." in lead.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    erasures = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "learning_entry.erase")
    ).all()
    assert len(erasures) == 1
    operations.show_hidden_act(
        setup["engagement"].id, setup["learner"], hidden_at=entry.hidden_at, actor=setup["cto"]
    )
    db.session.commit()
    db.session.expire_all()
    assert entry.is_hidden
    with pytest.raises(operations.Refused):
        operations.show_entry(entry, actor=setup["cto"])


def test_only_a_hidden_entry_is_erased(db, setup):
    from knowtrans.learning import operations

    with pytest.raises(operations.Refused, match="Hide the entry first"):
        operations.erase_entry_text(setup["entry"], actor=setup["cto"])


def test_a_confirmation_over_the_budget_shows_only_the_budget_message(
    app, db, setup, login_as, monkeypatch
):
    """No field is wrong, so the page does not ask to correct the fields marked below."""
    from knowtrans.confirmations.models import LevelConfirmation

    monkeypatch.setitem(app.config, "WRITE_LIMIT_PER_USER", "1/minute")
    expert = login_as(setup["expert"])
    url = f"/assignments/{setup['assignment'].id}/confirm"
    assert expert.post(url, {"level": "2", "comment": "Good start."}).status_code == 302
    response = expert.post(url, {"level": "3", "comment": "Second one."})
    text = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "You have saved once in one minute" in text
    assert "fields marked below" not in text
    assert row_count(LevelConfirmation) == 1
