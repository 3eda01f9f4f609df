"""The web face in a real browser: Debian's Chromium, driven by Playwright, through real OIDC.

No browser can be downloaded here, so Playwright drives `/usr/bin/chromium` (installed
by `make browser`); without it these tests fail and say how to get it, never skip.
Each page a journey reaches is scanned with axe-core (the npm-pinned copy) at WCAG 2.2
A/AA and must have no violations; screenshots go to `services/portal/tests/web/screenshots/`
(git-ignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from carecoord_devstack.oidc_provider import demo_identities

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
GP = next(who for who in demo_identities() if who.role == "gp")
_NHS_FONTS = "Loading the font 'https://assets.nhs.uk/fonts/"
P9 = next(who for who in demo_identities() if who.proofing_level == "P9")


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright (no browser download exists here)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM}: run `make browser` "
            "(as root it installs it with apt-get) or `sudo apt-get install -y chromium`."
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def browser_after(setup: str) -> Any:
    """A module's `browser` fixture: Chromium, launched once the fixture named `setup` is
    made, so that its async set-up runs before Playwright's sync API, whose event loop
    would otherwise look like a running one to pytest-asyncio."""

    @pytest.fixture(scope="module")
    def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
        request.getfixturevalue(setup)
        with chromium() as launched:
            yield launched

    return browser


browser = browser_after("web_stack")


@pytest.fixture(scope="module")
def axe(web_stack) -> Axe:
    return Axe.from_file(web_stack.config.node_modules / "axe-core" / "axe.min.js")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport={"width": 1024, "height": 800})
    yield opened
    opened.close()


def assert_accessible(axe: Axe, page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    assert results.violations_count == 0, results.generate_report()


def sign_in_at_provider(page: Page, stack, name: str) -> None:
    page.wait_for_url(f"{stack.provider_url}/authorize?**")
    page.get_by_role("button", name=f"Sign in as {name}").click()


def csp_violations(page: Page) -> list[str]:
    found: list[str] = []

    def listen(message) -> None:
        text = message.text
        # nhsuk-frontend's CSS names the NHS font CDN; our CSP blocks it by design (Arial).
        if "Content Security Policy" in text and not text.startswith(_NHS_FONTS):
            found.append(text)

    page.on("console", listen)
    return found


def test_gp_signs_in_is_accessible_signs_out_and_the_old_cookie_is_refused(
    context: BrowserContext, web_stack, axe: Axe
) -> None:
    page = context.new_page()
    violations = csp_violations(page)
    page.goto(f"{web_stack.portal_url}/")
    page.wait_for_url(f"{web_stack.provider_url}/authorize**")
    sign_in_at_provider(page, web_stack, GP.name)
    page.wait_for_url(f"{web_stack.portal_url}/")
    banner = f"Signed in as {GP.name}, GP, {GP.organisation_name}"
    expect(page.get_by_role("banner")).to_contain_text(banner)
    expect(page.get_by_role("heading", level=1)).to_have_text("GP home")
    assert page.evaluate("document.body.classList.contains('nhsuk-frontend-supported')")
    assert page.evaluate("typeof htmx === 'object'"), "htmx loads under the CSP"
    assert_accessible(axe, page, "gp-home")
    old_cookies = context.cookies()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{web_stack.portal_url}/auth/signed-out")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    assert_accessible(axe, page, "signed-out")
    assert violations == []

    context.add_cookies(old_cookies)  # the cookie from before sign-out, put back
    page.goto(f"{web_stack.portal_url}/")
    page.wait_for_url(f"{web_stack.provider_url}/authorize**")


def test_a_forged_csrf_token_is_refused_in_the_browser(
    context: BrowserContext, web_stack, axe: Axe
) -> None:
    page = context.new_page()
    page.goto(f"{web_stack.portal_url}/")
    sign_in_at_provider(page, web_stack, GP.name)
    page.wait_for_url(f"{web_stack.portal_url}/")
    page.locator("input[name=csrf_token]").evaluate("field => { field.value = 'forged' }")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request was refused")
    assert_accessible(axe, page, "csrf-refused")
    page.goto(f"{web_stack.portal_url}/")
    expect(page.get_by_role("banner")).to_contain_text(f"Signed in as {GP.name}")


def test_sign_in_and_out_work_with_javascript_off(browser: Browser, web_stack, axe: Axe) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{web_stack.portal_url}/")
        sign_in_at_provider(page, web_stack, P9.name)
        page.wait_for_url(f"{web_stack.portal_url}/")
        expect(page.get_by_role("banner")).to_contain_text(f"Signed in as {P9.name}")
        expect(page.get_by_role("heading", name="Your care plan")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "patient-p9-home-no-js.png"), full_page=True)
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{web_stack.portal_url}/auth/signed-out")
    finally:
        context.close()


def test_the_patient_start_page_is_accessible_without_signing_in(
    context: BrowserContext, web_stack, axe: Axe
) -> None:
    page = context.new_page()
    page.goto(f"{web_stack.portal_url}/start")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for help with a health problem")
    assert_accessible(axe, page, "patient-start")
    page.set_viewport_size({"width": 320, "height": 640})
    assert_accessible(axe, page, "patient-start-320px")
