"""No text a user saves and no amount of entries makes a page, the report or closing fail."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from knowtrans.core.clock import today, utcnow
from knowtrans.core.markdown import html_depth, render_markdown
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.learning.models import EvidenceLink, LearningEntry, OpenQuestion
from knowtrans.plans.models import Criticality
from knowtrans.reports.build import build_report
from knowtrans.reports.data import gather_report_data
from knowtrans.reports.log import LOG_ENTRIES_PER_ASSIGNMENT
from knowtrans.reports.models import HandoverReport
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role, User
from tests.hostile_text import hostile_markdown
from tests.test_markdown import DEEP
from tests.test_reports import pdf_text

#: what a user can save: the forms and the import refuse NUL, and PostgreSQL cannot store it
storable_markdown = hostile_markdown.map(lambda text: text.replace("\x00", ""))

ORDINARY = "Rotated the **etcd** certificates on staging with [the runbook](https://wiki.example)."


@pytest.fixture
def setup(make_user, make_engagement, make_plan_item, make_assignment, make_entry):
    expert = make_user(Role.EXPERT, name="Jonas Weber")
    engagement = make_engagement(
        expert=expert, title="Platform handover", start=today() - timedelta(days=400)
    )
    item = make_plan_item(engagement=engagement, criticality=Criticality.CRITICAL)
    learner = make_user(Role.STAFF, name="Maria Lopez")
    assignment = make_assignment(item, learner)
    return {
        "engagement": engagement,
        "item": item,
        "assignment": assignment,
        "learner": learner,
        "expert": expert,
        "ordinary": make_entry(assignment, learned=ORDINARY),
        "cto": make_user(Role.CTO, name="Helena Brandt"),
        "it_lead": make_user(Role.IT_LEAD, name="Markus Klein"),
    }


def gather(engagement, by):
    return gather_report_data(
        engagement.id, final=False, generated_by=by, generated_at=utcnow(), identifier="KT-t"
    )


# --- the review's examples, end to end -------------------------------------------------------


def test_a_deeply_nested_handover_note_leaves_the_engagement_page_working(db, setup, login_as):
    setup["item"].handover_notes = "- " * 500 + "x"
    db.session.commit()
    for viewer in ("cto", "it_lead", "expert", "learner"):
        response = login_as(setup[viewer]).get(f"/engagements/{setup['engagement'].id}")
        assert response.status_code == 200, viewer
    page = login_as(setup["learner"]).get(f"/assignments/{setup['assignment'].id}")
    assert page.status_code == 200
    assert "Rotated the <strong>etcd</strong> certificates" in page.get_data(as_text=True)


def test_a_deeply_quoted_entry_leaves_the_report_and_closing_working(
    db, setup, login_as, make_entry
):
    make_entry(setup["assignment"], learned=">" * 136 + " x")
    engagement = setup["engagement"]
    lead = login_as(setup["it_lead"])
    page = f"/engagements/{engagement.id}"
    asked = lead.post(f"{page}/report/draft", form_url=page)
    assert asked.status_code == 303
    draft = lead.get(asked.headers["Location"] + "/pdf")
    assert draft.status_code == 200
    assert draft.mimetype == "application/pdf"
    response = lead.post(
        f"/engagements/{engagement.id}/close",
        {"justification": "The rest stays with the vendor's support contract.", "confirm": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert engagement.status is EngagementStatus.CLOSED
    final = db.session.scalar(sa.select(HandoverReport))
    text = pdf_text(final.pdf)
    assert ">>>>>>>>>>" in text  # the text as written, not a parse of it
    assert "Rotated the etcd certificates" in text


# --- the worst inputs anyone can save --------------------------------------------------------

LONG_WORD = "x" * 20_000
WORST = [
    *DEEP.values(),
    LONG_WORD,
    "*" * 20_000,
    "[" * 10_000 + "]" * 10_000,
    "|" + "a|" * 5_000 + "\n|" + "-|" * 5_000,
    "```\n" + "code " * 4_000,
    "\x01\x02\x03 \u202e reversed \u2066",  # NUL no path stores (nor can PostgreSQL)
    "<" * 20_000,
    "- item\n" * 2_000,
]


def test_the_report_survives_the_worst_text_in_every_field(
    db, setup, make_assignment, make_user, make_confirmation
):
    engagement, item = setup["engagement"], setup["item"]
    engagement.objectives = "> " * 500 + "objective"
    engagement.title = "T" * Engagement.__table__.c.title.type.length
    engagement.client = "C" * Engagement.__table__.c.client.type.length
    item.handover_notes = "\n\n".join(text[:2_000] for text in WORST)
    item.skill.name = "S" * Skill.__table__.c.name.type.length
    for number, text in enumerate(WORST):
        entry = LearningEntry(
            assignment=setup["assignment"],
            date=today() - timedelta(days=number),
            activity="pairing",
            minutes=30,
            learned=text,
            self_level=2,
        )
        entry.evidence_links = [EvidenceLink(url="https://example.org/" + "a" * 470)]
        entry.questions = [OpenQuestion(text="Q" * 500), OpenQuestion(text="? " * 250)]
        db.session.add(entry)
    make_confirmation(setup["assignment"], 2, setup["expert"], comment="c" * 2_000)
    make_assignment(item, make_user(Role.STAFF, name="N" * User.__table__.c.name.type.length))
    db.session.commit()

    report = build_report(engagement.id, final=False, generated_by=setup["it_lead"])
    assert report.pdf.startswith(b"%PDF-")
    assert "Rotated the etcd certificates" in pdf_text(report.pdf)


# --- as many entries as a script can save ----------------------------------------------------

FLOOD = 20_000


def flood(db, assignment, count, start):
    """``count`` entries over the year before ``start``'s year end, in one INSERT."""
    now = utcnow()
    db.session.execute(
        sa.insert(LearningEntry),
        [
            {
                "assignment_id": assignment.id,
                "date": start + timedelta(days=n % 365),
                "activity": "self_study",
                "minutes": 5,
                "learned": f"Entry {n} of the flood",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ],
    )
    db.session.commit()


def test_twenty_thousand_entries_on_one_assignment_keep_the_report_bounded(
    db, setup, count_queries
):
    engagement, assignment, lead = setup["engagement"], setup["assignment"], setup["it_lead"]
    engagement_id, start = engagement.id, engagement.start_date

    def statements() -> int:
        db.session.expire_all()
        with count_queries() as queries:
            gather_report_data(
                engagement_id, final=False, generated_by=None, generated_at=utcnow(), identifier="K"
            )
        return len(queries)

    flood(db, assignment, 10, start)
    few = statements()
    flood(db, assignment, FLOOD - 10, start)
    assert statements() == few

    data = gather(engagement, lead)
    assert data.log_total == FLOOD + 1
    assert len(data.log) == LOG_ENTRIES_PER_ASSIGNMENT
    assert sum(row.entries for row in data.log_by_month) == FLOOD + 1 - LOG_ENTRIES_PER_ASSIGNMENT
    assert data.total_minutes == FLOOD * 5 + 60
    assert len(data.log_by_month) <= 14  # a year of dates: a row per month, not per entry

    report = build_report(engagement.id, final=False, generated_by=lead)
    assert report.page_count <= 20
    text = pdf_text(report.pdf)
    assert "Older entries by month" in text
    assert f"{FLOOD + 1:,} learning entries" in text  # 20,001: counts with separators


# --- generated text, through the whole report builder ----------------------------------------


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(note=storable_markdown, learned=storable_markdown)
def test_generated_markdown_never_breaks_the_report(db, setup, note, learned):
    engagement, item = setup["engagement"], setup["item"]
    expected = str(render_markdown(ORDINARY))
    item.handover_notes = note
    hostile = db.session.scalar(
        sa.select(LearningEntry).where(LearningEntry.learned != ORDINARY)
    ) or LearningEntry(assignment=setup["assignment"], date=today(), activity="pairing", minutes=5)
    hostile.learned = learned or "-"
    db.session.add(hostile)
    db.session.commit()

    data = gather(engagement, setup["it_lead"])
    for entry in data.log:
        assert html_depth(entry.learned) <= 32
    ordinary = next(entry for entry in data.log if entry.id == setup["ordinary"].id)
    assert str(ordinary.learned) == expected
    report = build_report(engagement.id, final=False, generated_by=setup["it_lead"])
    # a glyph no font has makes WeasyPrint add a font that pypdf extracts as UTF-16
    assert "Rotated the etcd certificates" in pdf_text(report.pdf).replace("\x00", "")


def test_long_many_line_entries_and_notes_keep_the_report_short(db, setup, make_entry):
    """Within the write budget, fifty entries of a thousand paragraphs each: the report prints
    the beginning of each, and of long handover notes, and says so."""
    for _ in range(LOG_ENTRIES_PER_ASSIGNMENT):
        make_entry(setup["assignment"], learned="paragraph\n\n" * 1_000)
    setup["item"].handover_notes = "note\n\n" * 3_000
    db.session.commit()
    data = gather(setup["engagement"], setup["it_lead"])
    shortened = [entry for entry in data.log if entry.shortened]
    assert len(shortened) == LOG_ENTRIES_PER_ASSIGNMENT
    assert all(str(entry.learned).count("<p>") <= 13 for entry in shortened)
    assert data.items[0].notes_shortened
    report = build_report(setup["engagement"].id, final=False, generated_by=setup["it_lead"])
    assert report.page_count <= 60
    assert "The report shows the first part of this entry" in pdf_text(report.pdf)


def test_the_entries_printed_in_full_are_bounded_across_assignments(
    db, setup, make_assignment, make_plan_item, make_user, monkeypatch
):
    from knowtrans.reports import log

    monkeypatch.setattr(log, "LOG_ENTRIES_IN_FULL", 30)
    engagement = setup["engagement"]
    for _ in range(3):
        assignment = make_assignment(make_plan_item(engagement), make_user(Role.STAFF))
        flood(db, assignment, 40, engagement.start_date)
    data = gather(engagement, setup["it_lead"])
    assert data.log_total == 121
    assert len(data.log) <= 30
    assert sum(row.entries for row in data.log_by_month) == data.log_total - len(data.log)
    assert log.entries_in_full_per_assignment([40, 40, 40, 1]) == 9
    assert log.entries_in_full_per_assignment([3, 2]) == LOG_ENTRIES_PER_ASSIGNMENT


def test_a_long_confirmation_history_is_listed_in_part(db, setup, login_as, make_confirmation):
    for level in [1, 2, 3, 4, 5] * 4:
        make_confirmation(setup["assignment"], level, setup["expert"], comment=f"Level {level}")
    data = gather(setup["engagement"], setup["it_lead"])
    learner = data.items[0].learners[0]
    assert (len(learner.confirmations), learner.confirmation_count) == (6, 20)
    text = pdf_text(build_report(setup["engagement"].id, final=False, generated_by=None).pdf)
    assert "and 14 before" in text
    page = login_as(setup["learner"]).get(f"/assignments/{setup['assignment'].id}")
    assert "and 10 earlier confirmations" in page.get_data(as_text=True)


def test_break_opportunities_go_into_long_runs_of_text_only():
    from markupsafe import Markup

    from knowtrans.reports.text import with_break_opportunities

    url = "https://example.org/" + "a" * 300
    html = Markup(f'<p>{"x" * 130} <a href="{url}">{url}</a> {"&amp;" * 100} ok</p>')
    broken = str(with_break_opportunities(html))
    assert f'href="{url}"' in broken  # attributes untouched
    assert "x" * 130 in broken  # a run shorter than 200 stays whole
    assert broken.count("\u200b") == 5 + 1  # 320 characters of link text, 100 references
    assert "&am\u200b" not in broken  # never inside a character reference
    assert broken.replace("\u200b", "") == str(html)
