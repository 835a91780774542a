"""Every main page, for each role: axe-core finds no serious or critical violation, the HTML
parses strictly, and the page has one h1, landmarks, a skip link, labelled inputs and unique
ids. Plus the keyboard: skip link, sign-in and a dropdown form without a mouse."""

import re
from collections import Counter

import html5lib
import pytest
from playwright.sync_api import expect

from tests.browser.demo_pages import ROLES, DemoIds, find_demo_ids, pages_for
from tests.browser.harness import CTO, DEMO_PASSWORD, STAFF, sign_in, validate_html

FAILING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="module")
def ids(live_server) -> DemoIds:
    return find_demo_ids(live_server)


def format_violations(url: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{url}: [{violation['impact']}] {violation['id']}: {violation['help']}"
            f" ({violation['helpUrl']})"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(node['target'])}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)


def axe_violations(page, axe_source: str) -> list[dict]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate("""async () => await axe.run(document, {resultTypes: ["violations"]})""")
    return result["violations"]


def submit_empty_form(page, button: str) -> None:
    """The form's error state is a page of its own for assistive technology."""
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("alert").first).to_be_visible()


#: pages that also show their error state: path suffix → submit button
ERROR_STATES = {"/entries/new": "Record entry", "/confirm": "Confirm level"}


def error_state_button(url: str) -> str | None:
    return next((button for end, button in ERROR_STATES.items() if url.endswith(end)), None)


@pytest.mark.parametrize("role", list(ROLES))
def test_axe_finds_no_serious_violations(role, audit_page, axe_script, ids):
    page = audit_page
    if ROLES[role]:
        sign_in(page, ROLES[role])
    failures, minor = [], Counter()

    def check(state: str) -> None:
        violations = axe_violations(page, axe_script)
        serious = [v for v in violations if v["impact"] in FAILING_IMPACTS]
        minor.update(f"{v['impact']} {v['id']} on {state}" for v in violations if v not in serious)
        if serious:
            failures.append(format_violations(state, serious))

    for url in pages_for(role, ids):
        page.goto(url)
        check(url)
        if button := error_state_button(url):
            submit_empty_form(page, button)
            check(f"{url} (submitted empty)")
    if minor:
        print(f"\n{role}: minor axe findings (not failing): {dict(minor)}")
    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)


def structure_problems(html: str, signed_in: bool) -> list[str]:
    """Strict parse, then the structure every page promises."""
    try:
        tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    except html5lib.html5parser.ParseError as error:
        return [f"not valid HTML: {error}"]
    problems = []
    elements = list(tree.iter())
    tags = Counter(element.tag for element in elements)
    if tags["h1"] != 1:
        problems.append(f"{tags['h1']} <h1> elements instead of one")
    landmarks = ["header", "main", "nav"] if signed_in else ["header", "main"]
    problems += [f"no <{tag}> landmark" for tag in landmarks if tags[tag] == 0]
    if tags["main"] > 1:
        problems.append("more than one <main>")
    ids = Counter(element.get("id") for element in elements if element.get("id"))
    problems += [f"duplicate id {value!r}" for value, n in ids.items() if n > 1]
    links = [element for element in elements if element.tag == "a"]
    if not links or links[0].get("href") != "#main" or "main" not in ids:
        problems.append("the first link is not a skip link to #main")
    labelled = {label.get("for") for label in elements if label.tag == "label"}
    parents = {child: parent for parent in elements for child in parent}
    for element in elements:
        if element.tag not in ("input", "select", "textarea"):
            continue
        if element.get("type") in ("hidden", "submit", "button", "reset", "image"):
            continue
        inside_label = False
        node = element
        while node in parents:
            node = parents[node]
            if node.tag == "label":
                inside_label = True
                break
        has_name = element.get("aria-label") or element.get("aria-labelledby")
        if not (inside_label or has_name or element.get("id") in labelled):
            problems.append(f"unlabelled <{element.tag} name={element.get('name')!r}>")
    for element in elements:
        for attribute in ("aria-describedby", "aria-labelledby", "for"):
            for ref in (element.get(attribute) or "").split():
                if ref not in ids:
                    problems.append(f"{attribute}={ref!r} on <{element.tag}> names no element")
    return problems


@pytest.mark.parametrize("role", list(ROLES))
def test_pages_are_valid_html_with_landmarks(role, page, ids, html_checker, tmp_path):
    """Parsed strictly, the promised structure, and no error of the Nu Html Checker."""
    if ROLES[role]:
        sign_in(page, ROLES[role])
    failures, pages = [], {}
    for url in pages_for(role, ids):
        response = page.goto(url)
        pages[url] = response.text()
        problems = structure_problems(pages[url], signed_in=bool(ROLES[role]))
        failures += [f"{url}: {problem}" for problem in problems]
        if button := error_state_button(url):
            with page.expect_response(lambda r: r.request.method == "POST") as posted:
                submit_empty_form(page, button)
            pages[f"{url} (submitted empty)"] = posted.value.text()
            problems = structure_problems(posted.value.text(), signed_in=True)
            failures += [f"{url} (submitted empty): {problem}" for problem in problems]
    failures += validate_html(pages, tmp_path)
    assert not failures, "\n".join(failures)


def test_keyboard_alone_signs_in_and_skips_to_content(page):
    """The sign-in page starts in its e-mail field; every other page starts with the skip
    link."""
    page.goto("/login")
    expect(page.get_by_label("Email", exact=True)).to_be_focused()
    page.keyboard.type(STAFF)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Maria Lopez")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def test_keyboard_moves_a_learner_to_the_next_phase(page, ids):
    """From the plan table to the learner's phase form and through it without a mouse."""
    sign_in(page, CTO)
    page.goto(f"/engagements/{ids.engagement}")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=ids.skill_name))
    link = row.get_by_role("link", name=f"Phase and role of Maria Lopez on {ids.skill_name}")
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/assignments/{ids.assignment}#manage-heading$"))
    page.wait_for_load_state()
    phase = page.get_by_role("combobox", name="Phase")
    phase.focus()
    expect(phase).to_be_focused()
    before = phase.input_value()
    phase.press("ArrowDown" if before == "planned" else "ArrowUp")
    expect(phase).not_to_have_value(before)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Move"
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Moved Maria Lopez to")
