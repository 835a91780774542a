"""On a phone (390 px) no main page of any role scrolls sideways; a learner switches to German
on their profile and records learning in German on a phone."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from knowtrans.extensions import db
from knowtrans.users.models import User
from tests.browser.demo_pages import ROLES, DemoIds, find_demo_ids, pages_for
from tests.browser.harness import STAFF, sign_in

#: how far a page may be wider than the screen (rounding of sub-pixel layouts)
SLACK_PX = 1

WIDER_THAN_THE_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const page = document.documentElement.scrollWidth;
  // the elements that stick out, for the failure message
  const culprits = [...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > width + 1)
    .filter((element) => !element.closest(".table-wrap, figure.chart, pre"))
    .slice(0, 3)
    .map((element) => element.tagName.toLowerCase() + "." + element.className);
  return {width, page, culprits};
}"""


@pytest.fixture(scope="module")
def ids(live_server) -> DemoIds:
    return find_demo_ids(live_server)


def sideways(page) -> str | None:
    measure = page.evaluate(WIDER_THAN_THE_SCREEN)
    if measure["page"] > measure["width"] + SLACK_PX:
        return f"{measure['page']} px wide in {measure['width']} px ({measure['culprits']})"
    return None


@pytest.mark.parametrize("role", list(ROLES))
def test_no_main_page_scrolls_sideways_on_a_phone(role, phone_page, ids):
    page = phone_page
    if ROLES[role]:
        sign_in(page, ROLES[role])
    failures = []
    for url in pages_for(role, ids):
        page.goto(url)
        if problem := sideways(page):
            failures.append(f"{url}: {problem}")
    assert not failures, "pages wider than a phone:\n" + "\n".join(failures)


@pytest.fixture
def learner_back_in_english(live_server):
    """The demo learner is shared by the other browser tests: English again afterwards."""
    yield
    with live_server.app.app_context():
        db.session.execute(sa.update(User).where(User.email == STAFF).values(language="en"))
        db.session.commit()


def test_a_learner_records_learning_in_german_on_a_phone(phone_page, ids, learner_back_in_english):
    page = phone_page
    sign_in(page, STAFF)
    page.get_by_role("link", name="Profile").click()
    page.get_by_label("Language").select_option(label="Deutsch")
    page.get_by_role("button", name="Save").click()

    # from here on every word is German, and the page is German to assistive technology
    expect(page.get_by_text("Ihr Profil ist gespeichert.")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("navigation").get_by_role("link", name="Meine Zuordnungen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Zuordnungen")
    assert sideways(page) is None
    page.goto(f"/assignments/{ids.assignment}")
    page.get_by_role("link", name="Lernfortschritt erfassen").first.click()
    expect(page.get_by_role("heading", name="Lernfortschritt erfassen", level=1)).to_be_visible()
    assert sideways(page) is None

    page.get_by_label("Aufgewendete Minuten").fill("1.5")
    page.get_by_label("Was ich gelernt habe").fill("Die Zertifikate mit kubeadm erneuert.")
    page.get_by_role("button", name="Eintrag erfassen").click()
    expect(page.get_by_text("Bitte ganze Minuten angeben, z. B. 90.")).to_be_visible()
    expect(page.get_by_label("Aufgewendete Minuten")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Aufgewendete Minuten").fill("75")
    page.get_by_role("button", name="Eintrag erfassen").click()
    expect(page.get_by_text("Ihr Lerneintrag wurde erfasst.")).to_be_visible()
    entry = page.get_by_role("article").filter(has_text="kubeadm").first
    expect(entry).to_contain_text(re.compile(r"1 Std\. 15 Min\."))
    assert sideways(page) is None
    assert page.console_errors == []
