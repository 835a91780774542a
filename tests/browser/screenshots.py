"""Regenerate the README's screenshots with the browser tests' harness.

    python -m tests.browser.screenshots [--out docs/screenshots]

The live server runs the demo company; Chromium signs in as the demo users and photographs
the main pages; the draft report's first page is rendered with pdftoppm (poppler-utils).
"""

import argparse
import io
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from knowtrans.engagements.models import Engagement
from knowtrans.extensions import db
from knowtrans.plans.models import Assignment, PlanItem
from knowtrans.users.models import User
from tests.browser import harness

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
#: PNGs above this are reduced to a palette (the README should stay light)
MAX_BYTES = 300_000
#: the demo engagement with a full plan and readiness chart
ENGAGEMENT_TITLE = "Kubernetes platform handover"


def save_png(data: bytes, path: Path) -> None:
    """Write a PNG, as a 256-colour palette image when the full-colour one is too large."""
    if len(data) > MAX_BYTES:
        image = Image.open(io.BytesIO(data)).convert("RGB")
        buffer = io.BytesIO()
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
            buffer, format="PNG", optimize=True
        )
        data = buffer.getvalue()
    path.write_bytes(data)
    print(f"{path} ({len(data) // 1024} KB)")


def demo_rows(live: harness.LiveServer) -> tuple[int, int]:
    """The showcase engagement and the staff login's assignment on it."""
    with live.app.app_context():
        engagement_id = db.session.scalar(
            sa.select(Engagement.id).where(Engagement.title == ENGAGEMENT_TITLE)
        )
        assignment_id = db.session.scalar(
            sa.select(Assignment.id)
            .join(PlanItem)
            .join(User, Assignment.learner_id == User.id)
            .where(PlanItem.engagement_id == engagement_id, User.email == harness.STAFF)
            .order_by(Assignment.id)
        )
    if engagement_id is None or assignment_id is None:
        sys.exit(f"the demo data has no {ENGAGEMENT_TITLE!r} with the staff login on it")
    return engagement_id, assignment_id


@contextmanager
def speaking_german(live: harness.LiveServer, email: str) -> Iterator[None]:
    """The demo person reads German inside the block (their profile's language)."""

    def set_language(language: str) -> None:
        with live.app.app_context():
            db.session.execute(sa.update(User).where(User.email == email).values(language=language))
            db.session.commit()

    set_language("de")
    try:
        yield
    finally:
        set_language("en")


def take(browser, live, out: Path, pdftoppm: str | None) -> None:
    engagement_id, assignment_id = demo_rows(live)
    engagement = f"/engagements/{engagement_id}"

    def signed_in(email: str, viewport: dict):
        context = browser.new_context(base_url=live.url, viewport=viewport)
        page = context.new_page()
        harness.sign_in(page, email)
        return context, page

    context, page = signed_in(harness.CTO, DESKTOP)
    page.goto("/")
    save_png(page.screenshot(full_page=True), out / "cto-dashboard.png")
    page.goto(engagement)
    page.get_by_role("heading", name="Transfer plan").wait_for()
    save_png(page.screenshot(full_page=False), out / "engagement.png")
    page.get_by_role("heading", name="Transfer plan").evaluate(
        "heading => { heading.scrollIntoView(); window.scrollBy(0, -16); }"
    )
    save_png(page.screenshot(full_page=False), out / "engagement-plan.png")
    context.close()

    context, page = signed_in(harness.STAFF, DESKTOP)
    page.goto(f"/assignments/{assignment_id}/entries/new")
    page.get_by_label("Activity").select_option(label="Pairing")
    page.get_by_label("Minutes spent").fill("90")
    page.get_by_label("What I learned").fill(
        "Drained a node pool with **Jonas**: cordon first, then `kubectl drain` with\n"
        "`--ignore-daemonsets`; PodDisruptionBudgets decide the pace.\n\n"
        "- check the PDBs of stateful sets before the drain\n- watch the ingress pods move"
    )
    page.get_by_label("Evidence links").fill("https://wiki.example.com/runbooks/node-pools")
    page.get_by_label("My level now").select_option(label="3 · Competent")
    save_png(page.screenshot(full_page=True), out / "learning-entry-form.png")
    context.close()

    context, page = signed_in(harness.CTO, PHONE)
    page.goto(engagement)
    save_png(page.screenshot(full_page=False), out / "phone-engagement.png")
    context.close()

    # the same people in German: the CTO at a desk, the learner on a phone
    with speaking_german(live, harness.CTO):
        context, page = signed_in(harness.CTO, DESKTOP)
        page.goto("/")
        save_png(page.screenshot(full_page=False), out / "de-cto-dashboard.png")
        page.goto(engagement)
        save_png(page.screenshot(full_page=False), out / "de-engagement.png")
        context.close()
    with speaking_german(live, harness.STAFF):
        context, page = signed_in(harness.STAFF, PHONE)
        page.goto(f"/assignments/{assignment_id}")
        save_png(page.screenshot(full_page=False), out / "de-phone-assignment.png")
        page.goto("/my/assignments")
        save_png(page.screenshot(full_page=False), out / "de-phone-my-assignments.png")
        context.close()

    if pdftoppm is None:
        print("pdftoppm not found (poppler-utils): report-page-1.png not regenerated")
        return
    context, page = signed_in(harness.IT_LEAD, DESKTOP)
    page.goto(engagement)
    page.get_by_role("button", name="Download draft report").click()
    ready = page.get_by_role("link", name="Download the draft report (PDF)")
    ready.wait_for(timeout=harness.BUILD_WAIT_MS)
    with page.expect_download(timeout=harness.BUILD_WAIT_MS) as download:
        ready.click()
    pdf = Path(download.value.path())
    with harness.temporary_directory() as tmp:
        subprocess.run(
            [pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(tmp / "page")],
            check=True,
        )
        (rendered,) = tmp.glob("page*.png")
        save_png(rendered.read_bytes(), out / "report-page-1.png")
    context.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=harness.ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    reason = harness.chromium_missing_reason()
    if reason:
        sys.exit(reason)
    args.out.mkdir(parents=True, exist_ok=True)
    pdftoppm = shutil.which("pdftoppm")
    with (
        harness.temporary_directory() as tmp,
        harness.live_server(tmp) as live,
        harness.chromium() as browser,
    ):
        take(browser, live, args.out, pdftoppm)


if __name__ == "__main__":
    main()
