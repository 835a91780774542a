"""The product's journeys in a real browser, by clicking and typing as a person does.

The four tests are one story on the live server's demo company and run in file order: the
CTO sets up an engagement, a learner records learning, the expert confirms a level, the IT
lead reports and closes. Each step saves a screenshot to test-artifacts/journeys/.
"""

import io
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from knowtrans.core.clock import today
from tests.browser.harness import BUILD_WAIT_MS, CTO, IT_LEAD, sign_in, sign_out

TITLE = "Payments platform handover"
EXPERT_NAME = "Priya Natarajan"
EXPERT_EMAIL = "priya.natarajan@example.com"
LEARNER_NAME = "Maria Lopez"
LEARNER_EMAIL = "maria.lopez@example.com"
SECOND_LEARNER = "Tom Becker"
SECOND_LEARNER_EMAIL = "tom.becker@example.com"
#: skill, target level (option label), criticality
PLAN = [
    ("Terraform modules", "3 · Competent", "Critical"),
    ("HashiCorp Vault operations", "3 · Competent", "Critical"),
    ("Kafka operations", "2 · Advanced beginner", "Medium"),
]
#: a share as the page shows it: "50%" in English, "50 %" in German
PERCENT = re.compile(r"^\d+\s?%$")

#: what one journey leaves for the next (the engagement's address)
story: dict[str, str] = {}


def wait_for(condition, what: str, seconds: float = BUILD_WAIT_MS / 1000) -> None:
    """Poll ``condition`` until it holds; fail after ``seconds`` (generous: a busy machine)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not arrive in {seconds:.0f} s")
        time.sleep(0.2)


def needs(key: str) -> str:
    if key not in story:
        pytest.fail(f"an earlier journey did not finish (no {key}); run the whole file")
    return story[key]


def plan_row(page, skill: str):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=skill))


def readiness_percent(page) -> int:
    text = page.get_by_role("region", name="Readiness").get_by_text(PERCENT).inner_text()
    return int(re.match(r"\d+", text)[0])


def pdf_from(download) -> PdfReader:
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF"), data[:20]
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 1
    return reader


def test_cto_sets_up_an_engagement(page, snapshot):
    sign_in(page, CTO)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Helena Brandt")
    snapshot("dashboard")

    page.get_by_role("link", name="New engagement").first.click()
    expect(page.get_by_role("heading", name="New engagement", level=1)).to_be_visible()
    start = today()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Expert").select_option(label=f"{EXPERT_NAME} ({EXPERT_EMAIL})")
    page.get_by_label("Client").fill("Northwind Payments")
    page.get_by_label("Project").fill("Card acquiring platform")
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("Planned end date").fill((start + timedelta(days=60)).isoformat())
    page.get_by_label("Objectives").fill(
        "Keep the **platform operations** in the house:\n\n- infrastructure code\n- secrets"
    )
    snapshot("engagement form")
    page.get_by_role("button", name="Create engagement").click()

    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_text("Status: Planned")).to_be_visible()
    expect(page.get_by_role("strong").filter(has_text="platform operations")).to_be_visible()
    story["engagement_url"] = page.url

    # two skills ticked at once, each with its target and criticality; then the third
    page.get_by_role("link", name="Add plan item").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add skills to the plan")
    for skill, target, criticality in PLAN[:2]:
        page.get_by_role("checkbox", name=skill, exact=True).check()
        page.get_by_label(f"Target level for {skill}").select_option(label=target)
        page.get_by_label(f"Criticality of {skill}").select_option(label=criticality)
    snapshot("two skills ticked")
    page.get_by_role("button", name="Add to the plan").click()
    added = f"Added 2 skills to the plan: {PLAN[0][0]}, {PLAN[1][0]}."  # by category
    expect(page.get_by_text(added)).to_be_visible()
    skill, target, criticality = PLAN[2]
    page.get_by_role("link", name="Add plan item").first.click()
    expect(page.get_by_role("checkbox", name=PLAN[0][0], exact=True)).to_have_count(0)
    page.get_by_role("checkbox", name=skill, exact=True).check()
    page.get_by_label(f"Target level for {skill}").select_option(label=target)
    page.get_by_label(f"Criticality of {skill}").select_option(label=criticality)
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_text(f"Added {skill} to the plan.")).to_be_visible()
    for skill, _target, criticality in PLAN:
        expect(plan_row(page, skill)).to_contain_text(criticality)
    snapshot("plan of three skills")

    # two learners assigned at once: a primary and a backup; then a primary for the second skill
    plan_row(page, PLAN[0][0]).get_by_role("link", name="Assign learner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Assign learners to {PLAN[0][0]}")
    team = [
        (LEARNER_NAME, LEARNER_EMAIL, "Primary"),
        (SECOND_LEARNER, SECOND_LEARNER_EMAIL, "Backup"),
    ]
    for learner, email, role in team:
        page.get_by_role("checkbox", name=f"{learner} {email}", exact=True).check()
        page.get_by_label(f"Role in the transfer for {learner} ({email})").select_option(label=role)
    snapshot("two learners ticked")
    page.get_by_role("button", name="Assign").click()
    expect(
        page.get_by_text(
            f"Assigned 2 learners to {PLAN[0][0]}: {LEARNER_NAME} (primary), "
            f"{SECOND_LEARNER} (backup)."
        )
    ).to_be_visible()
    for learner, _email, _role in team:
        expect(
            plan_row(page, PLAN[0][0]).get_by_role("link", name=learner, exact=True)
        ).to_be_visible()
    plan_row(page, PLAN[1][0]).get_by_role("link", name="Assign learner").click()
    page.get_by_role("checkbox", name=f"{SECOND_LEARNER} {SECOND_LEARNER_EMAIL}").check()
    page.get_by_role("button", name="Assign").click()
    expect(
        page.get_by_text(f"Assigned {SECOND_LEARNER} (primary) to {PLAN[1][0]}.")
    ).to_be_visible()
    expect(
        plan_row(page, PLAN[1][0]).get_by_role("link", name=SECOND_LEARNER, exact=True)
    ).to_be_visible()
    assert readiness_percent(page) == 0
    snapshot("learners assigned")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Mark as active").click()
    expect(page.get_by_text(f"“{TITLE}” is now Active.")).to_be_visible()
    expect(page.get_by_text("Status: Active")).to_be_visible()
    snapshot("active")
    assert page.console_errors == []


def test_learner_records_learning(page, snapshot):
    needs("engagement_url")
    skill = PLAN[0][0]
    sign_in(page, LEARNER_EMAIL)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My assignments").click()
    group = page.get_by_role("region", name=re.compile(TITLE))
    group.get_by_role("link", name=skill, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{skill}: {LEARNER_NAME}")
    expect(page.get_by_text("No learning recorded yet.")).to_be_visible()
    story["assignment_url"] = page.url
    snapshot("assignment")

    page.get_by_role("link", name="Record learning").first.click()
    expect(page.get_by_role("heading", name="Record learning", level=1)).to_be_visible()
    page.get_by_label("Activity").select_option(label="Pairing")
    page.get_by_label("Minutes spent").fill("-5")
    page.get_by_label("What I learned").fill(
        "**Remote state** lives in S3 with a DynamoDB lock table.\n\n"
        "- always run `terraform plan` first\n- never apply from a laptop"
    )
    page.get_by_label("Evidence links").fill("javascript:alert(1)")
    page.get_by_label("My level now").select_option(label="2 · Advanced beginner")
    page.get_by_label("Open questions").fill("Who rotates the state bucket's KMS key?")
    page.get_by_role("button", name="Record entry").click()

    # nothing saved: the errors stand at the fields, what was typed is still there
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below")
    expect(page.get_by_label("Minutes spent")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Enter between 1 and 720 minutes")).to_be_visible()
    expect(page.get_by_text("is not a web address")).to_be_visible()
    expect(page.get_by_label("What I learned")).to_have_value(re.compile(r"^\*\*Remote state"))
    snapshot("form errors")

    page.get_by_label("Minutes spent").fill("90")
    page.get_by_label("Evidence links").fill("https://git.example.com/infra/terraform-modules")
    page.get_by_role("button", name="Record entry").click()

    expect(page.get_by_text("Your learning entry is recorded.")).to_be_visible()
    log = page.get_by_role("region", name="Learning log")
    entry = log.get_by_role("article")
    expect(entry).to_have_count(1)
    expect(entry.get_by_role("heading", level=3)).to_contain_text("Pairing · 1 hr 30 min")
    expect(entry.locator("strong", has_text="Remote state")).to_be_visible()
    expect(entry.locator("code", has_text="terraform plan")).to_be_visible()
    evidence = entry.get_by_role("link", name="https://git.example.com/infra/terraform-modules")
    expect(evidence).to_have_attribute("href", "https://git.example.com/infra/terraform-modules")
    expect(entry).to_contain_text("Who rotates the state bucket's KMS key?")
    snapshot("entry listed")
    assert page.console_errors == []


def test_expert_confirms_the_level(page, snapshot):
    engagement_url = needs("engagement_url")
    needs("assignment_url")
    skill = PLAN[0][0]
    sign_in(page, EXPERT_EMAIL)
    page.get_by_role("region", name="My engagements").get_by_role("link", name=TITLE).click()
    assert page.url == engagement_url
    before = readiness_percent(page)
    assert before == 0
    row = plan_row(page, skill)
    expect(row).to_contain_text("No")
    snapshot("before confirmation")

    # the skill has a backup learner too: confirm the primary's level
    learner = row.get_by_role("listitem").filter(has_text=LEARNER_NAME)
    learner.get_by_role("link", name="Confirm level").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Confirm {LEARNER_NAME}'s level in {skill}"
    )
    page.get_by_label("Confirmed level").select_option(label="3 · Competent")
    page.get_by_label("Comment").fill("Ran two plan/apply cycles on staging on her own.")
    page.get_by_role("button", name="Confirm level").click()
    expect(page.get_by_role("status")).to_contain_text("3")
    expect(page.get_by_text("reaches the target")).to_be_visible()
    snapshot("confirmed")

    page.get_by_role("link", name=TITLE).first.click()
    after = readiness_percent(page)
    # the critical item (weight 5) of 5 + 5 + 2 is now covered
    assert after == round(100 * 5 / 12) != before
    expect(plan_row(page, skill).get_by_text("Yes")).to_be_visible()
    snapshot("readiness changed")
    sign_out(page)
    assert page.console_errors == []


def test_it_lead_reports_and_closes(page, snapshot, live_server):
    engagement_url = needs("engagement_url")
    sign_in(page, IT_LEAD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Engagements").click()
    page.get_by_label("Search").fill(TITLE)
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=TITLE).click()
    assert page.url == engagement_url

    page.get_by_role("button", name="Download draft report").click()
    # the worker builds it; the page looks again every two seconds until it is ready
    expect(page.get_by_role("heading", name="Draft report", level=1)).to_be_visible()
    snapshot("draft asked for")
    ready = page.get_by_role("link", name="Download the draft report (PDF)")
    expect(ready).to_be_visible(timeout=BUILD_WAIT_MS)
    with page.expect_download(timeout=BUILD_WAIT_MS) as draft:
        ready.click()
    assert draft.value.suggested_filename.endswith(".pdf")
    assert pdf_from(draft.value).metadata.title
    snapshot("draft downloaded")

    page.get_by_role("main").get_by_role("link", name=TITLE).click()  # back to the engagement
    page.get_by_role("link", name="Close engagement").click()
    expect(page.get_by_role("heading", name="Close the engagement", level=1)).to_be_visible()
    uncovered = page.get_by_role("region", name="Uncovered items")
    expect(uncovered.get_by_role("rowheader", name=PLAN[1][0])).to_be_visible()
    expect(uncovered.get_by_role("rowheader", name=PLAN[0][0])).to_have_count(0)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Close and generate the final report").click()
    expect(page.get_by_text("1 critical item is not covered")).to_be_visible()
    snapshot("justification required")

    page.get_by_label("Justification").fill(
        "Vault stays with the platform team's on-call; Priya's runbook covers unsealing. "
        "Tom Becker continues the Vault training with the vendor in Q3."
    )
    expect(page.get_by_label("I understand")).to_be_checked()
    page.get_by_role("button", name="Close and generate the final report").click()
    # the worker builds the final report; the engagement is locked and its page looks again
    # every five seconds until it is closed
    expect(
        page.get_by_text("Status: Closed").or_(
            page.get_by_role("heading", name="Being closed: the final report is being built")
        )
    ).to_be_visible()
    snapshot("being closed")
    expect(page.get_by_text("Status: Closed")).to_be_visible(timeout=BUILD_WAIT_MS)
    expect(page.get_by_role("heading", name=re.compile("the record is read-only"))).to_be_visible()
    expect(page.get_by_text("Tom Becker continues the Vault training")).to_be_visible()
    snapshot("closed")
    # the worker tells the IT lead by e-mail, in a job of its own after the closing's commit
    wait_for(lambda: f"Subject: Closed: {TITLE}" in live_server.mail_sent(), "the e-mail")
    sent = live_server.mail_sent()
    assert f"To: {IT_LEAD}" in sent
    assert f"{engagement_url}/report/final" in sent  # links to where the file is

    with page.expect_download(timeout=BUILD_WAIT_MS) as final:
        page.get_by_role("link", name="Download the final report (PDF)").click()
    reader = pdf_from(final.value)
    text = "\n".join(page_.extract_text() for page_ in reader.pages[:3])
    assert TITLE in text
    assert "DRAFT" not in reader.pages[0].extract_text()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Archive").click()
    expect(page.get_by_role("link", name=re.compile(TITLE)).first).to_be_visible()
    snapshot("archive")
    assert page.console_errors == []
