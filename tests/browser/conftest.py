"""Fixtures for the browser tests: a live server with demo data, Chromium, a page per test.

Without Chromium every browser test is skipped with the reason; with
KNOWTRANS_REQUIRE_BROWSER=1 (CI) it fails instead.
"""

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser import harness

#: why the browser tests did not run in this session (for the summary at the end)
_skipped_because: set[str] = set()


def _cannot_run(reason: str) -> None:
    if harness.browser_required():
        pytest.fail(f"{reason} (KNOWTRANS_REQUIRE_BROWSER=1 turns this skip into a failure)")
    _skipped_because.add(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_available() -> None:
    reason = harness.chromium_missing_reason()
    if reason:
        _cannot_run(reason)


@pytest.fixture(scope="session")
def live_server(browser_available, tmp_path_factory) -> Iterator[harness.LiveServer]:
    with harness.live_server(tmp_path_factory.mktemp("live-server")) as server:
        yield server


@pytest.fixture(scope="session")
def chromium_browser(browser_available) -> Iterator:
    with harness.chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def axe_script(browser_available) -> str:
    if not harness.AXE_SCRIPT.exists():
        _cannot_run(
            f"axe-core not found at {harness.AXE_SCRIPT.relative_to(harness.ROOT)}; "
            "run `make install` (needs npm) to run the accessibility checks"
        )
    return harness.AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def html_checker(browser_available) -> None:
    """The Nu Html Checker needs its jar (make install, npm) and Java."""
    if not harness.VNU_JAR.exists():
        _cannot_run(
            f"the Nu Html Checker not found at {harness.VNU_JAR.relative_to(harness.ROOT)}; "
            "run `make install` (needs npm)"
        )
    if shutil.which("java") is None:
        _cannot_run("Java is missing: the Nu Html Checker needs it (Debian: default-jre-headless)")


def _new_page(browser, live: harness.LiveServer, **context_options):
    from playwright.sync_api import expect

    from knowtrans.extensions import limiter

    # a busy machine answers slowly: every wait is for a condition, with room to spare
    expect.set_options(timeout=harness.WAIT_MS)

    with live.app.app_context():
        limiter.reset()
    context_options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(base_url=live.url, **context_options)
    context.set_default_timeout(harness.WAIT_MS)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return context, page


#: a phone's width in CSS pixels (an iPhone 12 to 15)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_page(chromium_browser, live_server) -> Iterator:
    """A page as a phone shows it: 390 px wide, touch, under the app's CSP."""
    context, page = _new_page(
        chromium_browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True
    )
    yield page
    context.close()


@pytest.fixture
def page(chromium_browser, live_server) -> Iterator:
    """A page in a fresh browser context (no cookies), at 1280 × 900, under the app's CSP."""
    context, page = _new_page(chromium_browser, live_server)
    yield page
    context.close()


@pytest.fixture
def audit_page(chromium_browser, live_server) -> Iterator:
    """Like ``page``, but the CSP is bypassed so axe-core can be injected."""
    context, page = _new_page(chromium_browser, live_server, bypass_csp=True)
    yield page
    context.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


@pytest.fixture
def snapshot(request, page) -> Callable[[str], Path]:
    """``snapshot("step name")`` saves a screenshot to test-artifacts/journeys/."""
    folder = harness.ARTIFACTS / "journeys"
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def take(name: str) -> Path:
        path = folder / f"{_slug(request.node.name)}-{next(counter):02d}-{_slug(name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test leaves a screenshot and the page's HTML in test-artifacts/."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for name in ("page", "audit_page"):
        page = item.funcargs.get(name) if hasattr(item, "funcargs") else None
        if page is None or page.is_closed():
            continue
        harness.ARTIFACTS.mkdir(exist_ok=True)
        stem = harness.ARTIFACTS / f"{_slug(item.nodeid)}-{name}"
        try:
            page.screenshot(path=f"{stem}.png", full_page=True)
            Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
        except Exception as error:  # the page may be gone; the failure itself matters more
            report.sections.append(("browser artifacts", f"could not save: {error}"))
        else:
            report.sections.append(
                ("browser artifacts", f"{stem}.png\n{stem}.html (url: {page.url})")
            )


def pytest_terminal_summary(terminalreporter):
    for reason in sorted(_skipped_because):
        terminalreporter.write_sep("=", "BROWSER TESTS SKIPPED", yellow=True, bold=True)
        terminalreporter.write_line(reason)
