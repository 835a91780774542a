"""Every main page, for every role, in German: no interface text is left in English.

The demo company is seeded and each demo login is switched to German. On every page the
texts of the interface's own elements (navigation, headings, table headers, labels,
buttons, links, legends, descriptions) are compared with the catalogue: a text that is
exactly an English message whose German differs is a string someone forgot to translate.
The demo's own data (skill names, notes) is English and is not looked at: data is never
translated.
"""

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from knowtrans import translations
from knowtrans.demo.seed import seed_demo
from knowtrans.engagements.models import Engagement, EngagementStatus
from knowtrans.extensions import db as _db
from knowtrans.learning.models import LearningEntry
from knowtrans.plans.models import Assignment, Phase, PlanItem
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role, User
from tests.conftest import PASSWORD

#: elements whose text is the interface's own
INTERFACE = {"h1", "h2", "h3", "th", "label", "button", "legend", "dt", "summary", "caption"}
#: English words that are German too, or names: never a finding
SAME_IN_GERMAN = {"CTO", "knowtrans", "Workshop", "Shadowing", "Reverse Shadowing", "Status"}


class InterfaceTexts(HTMLParser):
    """The whitespace-collapsed text of every interface element and of every link inside
    navigation; ``title``, ``aria-label`` and ``placeholder`` attributes too."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, list[str]]] = []
        self.in_nav = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder") and value:
                self.texts.append(value)
        if tag == "nav":
            self.in_nav += 1
        if tag in INTERFACE or (tag == "a" and self.in_nav):
            self.stack.append((tag, []))

    def handle_endtag(self, tag):
        if tag == "nav":
            self.in_nav -= 1
        if self.stack and self.stack[-1][0] == tag:
            _tag, parts = self.stack.pop()
            self.texts.append(" ".join("".join(parts).split()))

    def handle_data(self, data):
        for _tag, parts in self.stack:
            parts.append(data)


def interface_texts(html: str) -> list[str]:
    parser = InterfaceTexts()
    parser.feed(html)
    return [text for text in parser.texts if text]


@pytest.fixture(scope="module")
def english_messages() -> dict[str, str]:
    """English message → its German, for messages the German catalogue changes."""
    german = translations.read("de")
    return {
        message.id: message.string
        for message in german
        if isinstance(message.id, str) and message.string and message.string != message.id
    }


@pytest.fixture
def demo(db):
    from knowtrans.users.passwords import hash_password

    company = seed_demo(hash_password(PASSWORD))
    _db.session.execute(sa.update(User).values(language="de"))
    _db.session.commit()
    staff = company.login(Role.STAFF)
    assignment = _db.session.scalars(
        sa.select(Assignment)
        .join(PlanItem)
        .join(Engagement)
        .join(LearningEntry)
        .where(
            Assignment.learner_id == staff.id,
            Assignment.phase != Phase.SIGNED_OFF,
            Engagement.status.in_([EngagementStatus.ACTIVE, EngagementStatus.HANDOVER]),
        )
        .order_by(Assignment.id)
    ).first()
    closed = _db.session.scalar(
        sa.select(Engagement.id).where(Engagement.status == EngagementStatus.CLOSED)
    )
    return {
        "emails": {role: company.login(role).email for role in Role},
        "engagement": assignment.plan_item.engagement_id,
        "closed": closed,
        "plan_item": assignment.plan_item_id,
        "assignment": assignment.id,
        "entry": assignment.learning_entries[0].id,
        "skill": _db.session.scalar(sa.select(Skill.id).order_by(Skill.id)),
        "user": staff.id,
    }


def pages(role: Role, ids: dict) -> list[str]:
    engagement = f"/engagements/{ids['engagement']}"
    common = ["/", "/engagements", engagement, "/reports", "/account/password", "/no-such-page"]
    return {
        Role.ADMIN: [
            *common,
            "/admin/users",
            "/admin/users/new",
            f"/admin/users/{ids['user']}/edit",
            f"/admin/users/{ids['user']}/password",
            "/skills",
            "/skills/new",
        ],
        Role.CTO: [
            *common,
            "/engagements/new",
            f"{engagement}/edit",
            f"{engagement}/plan/new",
            f"/plan-items/{ids['plan_item']}/edit",
            f"/plan-items/{ids['plan_item']}/assign",
            f"/assignments/{ids['assignment']}",
            f"/engagements/{ids['closed']}",
            f"{engagement}/close",
        ],
        Role.IT_LEAD: [
            *common,
            f"/assignments/{ids['assignment']}",
            f"/assignments/{ids['assignment']}/confirm",
            f"/plan-items/{ids['plan_item']}/notes",
            f"{engagement}/close",
        ],
        Role.STAFF: [
            *common,
            "/my/assignments",
            f"/assignments/{ids['assignment']}",
            f"/assignments/{ids['assignment']}/entries/new",
            f"/entries/{ids['entry']}/edit",
        ],
        Role.EXPERT: [
            *common,
            f"/assignments/{ids['assignment']}",
            f"/assignments/{ids['assignment']}/confirm",
        ],
    }[role]


@pytest.mark.parametrize("role", list(Role))
def test_every_main_page_reads_german(role, demo, login_as, english_messages):
    browser = login_as(demo["emails"][role])
    left_in_english = []
    for url in pages(role, demo):
        response = browser.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        html = response.get_data(as_text=True)
        assert '<html lang="de"' in html, url
        for text in interface_texts(html):
            if text in english_messages and text not in SAME_IN_GERMAN:
                left_in_english.append(f"{url}: {text!r}")
    assert not left_in_english, "English interface texts on German pages:\n" + "\n".join(
        sorted(set(left_in_english))
    )


def test_the_sign_in_page_follows_the_browser(client):
    german = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="de"' in german.get_data(as_text=True)
    assert '<html lang="en"' in english.get_data(as_text=True)
    assert re.search(r"Anmelden", german.get_data(as_text=True))
