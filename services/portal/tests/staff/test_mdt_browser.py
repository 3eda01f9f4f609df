"""A whole MDT meeting in a real browser (Debian's Chromium through Playwright).

The chair signs in through the real OIDC flow, opens the meeting from their MDTs,
records who attended, goes into meeting mode and records the outcomes of two of the
three cases on the list with the keyboard only (every field reached by Tab, radios
chosen with Space and the arrow keys, the owner picked by typing, "Save and next case"
pressed with Enter), then "Finish meeting" moves the third to the next meeting; the
outcomes, the action and the moves are read back from the mdt service's FHIR API, and
the action from care plans' (the real service and its worker, fed by mdt's events
through Kafka) as an activity on the first patient's plan.
axe-core scans every page and state at WCAG 2.2 A/AA. The same journey runs with
JavaScript off (forms post and redirect). Screenshots: `mdt-*` (`mdt-no-js-*`).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect

from care_plans.settings import CarePlansSettings
from care_plans.worker import build_worker as build_care_plans_worker
from mdt.worker import build_worker as build_mdt_worker
from services.portal.tests.staff.conftest import (
    GP,
    ODS,
    StaffStack,
    on_caseload,
    running,
    signed_in_page,
    unique,
)
from services.portal.tests.staff.mdt_fixtures import (
    CHAIR,
    MdtWorld,
    assemble,
    book,
    listed_meeting,
    make_team,
    mdt_worker_settings,
    nominate,
    state_of,
)
from services.portal.tests.web.conftest import free_port
from services.portal.tests.web.test_browser import (
    SCREENSHOTS,
    assert_accessible,
    browser_after,
)

_MAX_TABS = 80


@pytest.fixture(scope="module")
def journey(
    with_care_plans: StaffStack, with_mdt: MdtWorld, care_plans_db: str, kafka_bootstrap: str
) -> Iterator[MdtWorld]:
    """care plans and mdt beside the stack with their workers: mdt's relay publishes what
    the meeting decides, and care plans' worker turns each action assigned into an
    activity on the patient's plan."""
    with_mdt.point()  # the portal at both services
    mdt = mdt_worker_settings(with_mdt, kafka_bootstrap)
    run = uuid.uuid4().hex[:8]
    plans = CarePlansSettings(
        environment="test",
        database_url=care_plans_db,
        auth_jwks_url=with_care_plans.issuer.jwks_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        public_base_url=with_care_plans.care_plans_url,
        log_level="WARNING",
        topic=f"test.journey-cp.{run}",
        referrals_topic=f"test.journey-ref.{run}",
        mdt_topic=mdt.topic,
    )
    with running(build_mdt_worker(mdt), build_care_plans_worker(plans)):
        yield with_mdt


async def _patient_with_a_plan(stack: StaffStack) -> tuple[str, str]:
    """A patient of the GP's practice with an active plan in care plans: NHS number, plan."""
    patient, plan = await on_caseload(stack, "Falls at home; carer tired", coordinator=None)
    read = _care_plans(stack, f"Patient/{patient}", stack.token("system", None))
    return str(read["identifier"][0]["value"]), plan


@pytest.fixture(scope="module")
async def meetings(journey: MdtWorld) -> dict[Any, dict[str, Any]]:
    """One MDT with a meeting of three cases per run (JavaScript on, off), the first
    case's patient with a care plan, made before the browser starts (async set-up cannot
    run in Playwright's loop)."""
    with_mdt = journey
    made: dict[Any, dict[str, Any]] = {}
    for js in (True, False):
        team = await make_team(with_mdt, unique("Meeting-mode MDT"))
        (meeting, _) = await book(with_mdt, team, count=2)
        questions = [unique("Falls: intermediate care?"), unique("Carer strain?"), unique("CHC?")]
        nhs, plan = await _patient_with_a_plan(with_mdt.stack)
        for patient, question in zip((nhs, None, None), questions, strict=True):
            await nominate(with_mdt, team, question, patient)
        cases = await assemble(with_mdt, meeting)
        made[js] = {"meeting": meeting, "cases": cases, "questions": questions, "plan": plan}
    race = await listed_meeting(
        with_mdt, unique("Conflict MDT"), [unique("Race?"), unique("Actions?")]
    )
    meeting, cases = race.meeting, race.cases
    made["race"] = {"meeting": meeting, "cases": cases}
    await with_mdt.call(
        "POST", f"Task/{cases[1]}/$record-outcome", with_mdt.chair,
        {"resourceType": "Parameters", "parameter": [
            {"name": "status", "valueCode": "discussed"},
            {"name": "action", "part": [
                {"name": "description", "valueString": "Check blood pressure"},
                {"name": "ownerKind", "valueCode": "organisation"},
                {"name": "ownerOrganisation",
                 "valueIdentifier": {"system": ODS, "value": GP.organisation}},
                {"name": "dueOn", "valueDate": date.today().isoformat()},
            ]},
        ]},
    )  # fmt: skip
    return made


browser = browser_after("meetings")


def _checked(axe: Axe, page: Page, name: str, js: bool) -> None:
    """axe-core runs in the page, so with JavaScript off only the screenshot is taken
    (the same pages and states are scanned in the JavaScript run)."""
    if js:
        assert_accessible(axe, page, name)
    else:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the focus: it is reachable by keyboard, in order."""
    for _ in range(_MAX_TABS):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{target} was not reached with {_MAX_TABS} presses of Tab")


def _type_into(page: Page, target: Locator, words: str) -> None:
    _tab_to(page, target)
    page.keyboard.type(words)


def _first_case(page: Page, axe: Axe, meeting: dict[str, Any], shots: str, js: bool) -> None:
    """From "Your MDTs" to the first case, by keyboard."""
    _checked(axe, page, f"{shots}-my-mdts", js)
    _tab_to(page, page.locator(f"a[href='/mdt/meetings/{meeting['meeting']}']"))
    page.keyboard.press("Enter")
    expect(page.locator("#capacity-line")).to_contain_text("3 cases listed")
    _checked(axe, page, f"{shots}-case-list", js)
    for who in ("Community nurse (chair), core member", "GP, core member"):
        _tab_to(page, page.get_by_label(who))
        page.keyboard.press("Space")
    _tab_to(page, page.get_by_role("button", name="Record attendance"))
    page.keyboard.press("Enter")
    expect(page.locator("#attended")).to_contain_text("Community nurse (chair)")
    _checked(axe, page, f"{shots}-attendance", js)
    _tab_to(page, page.get_by_role("link", name="Start meeting mode"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case 1 of 3")
    expect(page.locator("#case-question")).to_have_text(meeting["questions"][0])
    _checked(axe, page, f"{shots}-case-1", js)


def _discuss_with_an_action(page: Page, due: date) -> None:
    _tab_to(page, page.get_by_label("Discussed", exact=True))
    page.keyboard.press("Space")
    _type_into(page, page.get_by_label("Summary of the discussion"), "Two falls; carer tired.")
    _type_into(page, page.get_by_label("Decisions"), "Refer to intermediate care")
    _tab_to(page, page.get_by_label("Care plan reviewed"))
    page.keyboard.press("Space")
    _type_into(page, page.get_by_label("What is to be done").first, "Review medication")
    _type_into(page, page.get_by_label("Owner of action 1"), "GP practice")
    _tab_to(page, page.get_by_label("Due date of action 1"))
    page.keyboard.type(due.strftime("%m%d%Y"))  # Chromium's default locale: en-US
    expect(page.get_by_label("Due date of action 1")).to_have_value(due.isoformat())
    _tab_to(page, page.get_by_role("button", name="Save and next case"))
    page.keyboard.press("Enter")


def _defer(page: Page) -> None:
    _tab_to(page, page.get_by_label("Discussed", exact=True))
    page.keyboard.press("ArrowRight")  # arrow keys move through a radio group
    expect(page.get_by_label("Deferred to the next meeting")).to_be_checked()
    _type_into(page, page.get_by_label("Summary of the discussion"), "Waiting for bloods.")
    _tab_to(page, page.get_by_role("button", name="Save and next case"))
    page.keyboard.press("Enter")


def _stored(world: MdtWorld, path: str) -> dict[str, Any]:
    read = httpx.get(f"{world.mdt_url}/fhir/{path}", headers=world.chair, timeout=20)
    assert read.status_code == 200, read.text
    body: dict[str, Any] = read.json()
    return body


def _care_plans(stack: StaffStack, path: str, headers: dict[str, str]) -> dict[str, Any]:
    read = httpx.get(f"{stack.care_plans_url}/fhir/{path}", headers=headers, timeout=20)
    assert read.status_code == 200, read.text
    body: dict[str, Any] = read.json()
    return body


def _plan_activities(stack: StaffStack, plan: str) -> list[dict[str, Any]]:
    """The Tasks the plan links as activities once care plans has applied the meeting's
    events (within 45 s), read by the patient's GP with their own token."""
    gp = stack.token("gp", str(GP.organisation))
    deadline = time.monotonic() + 45
    while True:
        body = _care_plans(stack, f"CarePlan/{plan}", gp)
        linked = [a["reference"]["reference"] for a in body.get("activity", []) if "reference" in a]
        if linked or time.monotonic() > deadline:
            return [_care_plans(stack, reference, gp) for reference in linked]
        time.sleep(0.5)


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_the_chair_runs_a_meeting_with_the_keyboard_only(
    browser: Browser, with_mdt: MdtWorld, axe: Axe, meetings: dict[Any, dict[str, Any]], js: bool
) -> None:
    meeting, shots = meetings[js], "mdt" if js else "mdt-no-js"
    page = signed_in_page(browser, with_mdt.stack, CHAIR.name, "/mdt", js=js)
    posts: list[dict[str, str]] = []
    page.on(
        "request",
        lambda r: posts.append(r.headers) if r.method == "POST" and "/cases/" in r.url else None,
    )
    _first_case(page, axe, meeting, shots, js)
    due = date.today() + timedelta(days=14)

    _discuss_with_an_action(page, due)
    expect(page.locator("#saved")).to_contain_text("Discussed")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case 2 of 3")
    _checked(axe, page, f"{shots}-case-2", js)
    _defer(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Case 3 of 3")
    _tab_to(page, page.get_by_role("link", name="Back to the case list"))
    page.keyboard.press("Enter")
    _tab_to(page, page.get_by_role("button", name="Finish meeting"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("1 not reached moved to the next meeting")
    _checked(axe, page, f"{shots}-finished", js)
    page.context.close()
    hx = [p.get("hx-request") for p in posts]
    assert hx == (["true", "true"] if js else [None, None]), "htmx enhances; plain forms without"

    first, second, third = (_stored(with_mdt, f"Task/{c}") for c in meeting["cases"])
    assert state_of(first) == "discussed"
    assert state_of(second) == "deferred"
    assert state_of(third) == "not-discussed"
    record = _stored(with_mdt, first["output"][0]["valueReference"]["reference"])
    assert "Two falls; carer tired." in str(record["section"])
    actions = _stored(with_mdt, f"Task?part-of=Task/{meeting['cases'][0]}")
    (action,) = [e["resource"] for e in actions["entry"]]
    assert action["description"] == "Review medication"
    assert action["owner"]["identifier"]["value"] == GP.organisation
    assert action["restriction"]["period"]["end"] == due.isoformat()
    # care plans shows the meeting's action as an activity on the patient's plan.
    (activity,) = _plan_activities(with_mdt.stack, meeting["plan"])
    assert activity["description"] == "Review medication"
    assert activity["restriction"]["period"]["end"] == due.isoformat()
    assert activity["identifier"][0]["value"] == f"mdt:Task/{action['id']}"
    assert activity["focus"]["reference"] == f"CarePlan/{meeting['plan']}"


def test_a_late_save_the_gps_actions_and_mdt_being_down_are_accessible(
    browser: Browser, with_mdt: MdtWorld, axe: Axe, meetings: dict[Any, dict[str, Any]]
) -> None:
    race = meetings["race"]
    path = f"/mdt/meetings/{race['meeting']}/cases/{race['cases'][0]}"
    first, second = (signed_in_page(browser, with_mdt.stack, CHAIR.name, path) for _ in "12")
    for page, choice, words in ((first, "Deferred to the next meeting", "Waiting for bloods."),
                                (second, "Discussed", "My words, typed late.")):  # fmt: skip
        page.get_by_label(choice, exact=True).check()
        page.get_by_label("Summary of the discussion").fill(words)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#saved, #conflict")).to_be_visible()
    expect(second.locator("#conflict")).to_contain_text("Someone else recorded this case first")
    expect(second.locator("#conflict")).to_contain_text("Waiting for bloods.")
    expect(second.get_by_label("Summary of the discussion")).to_have_value("My words, typed late.")
    assert_accessible(axe, second, "mdt-late-save")
    with_mdt.point(f"http://127.0.0.1:{free_port()}")
    try:
        second.goto(f"{with_mdt.stack.portal_url}{path}")
        expect(second.get_by_role("status")).to_contain_text("The MDT service is not answering")
        assert_accessible(axe, second, "mdt-service-down")
    finally:
        with_mdt.point()
    for page in (first, second):
        page.context.close()

    gp = signed_in_page(browser, with_mdt.stack, GP.name, "/actions")
    expect(gp.locator("#actions")).to_contain_text("Check blood pressure")
    assert_accessible(axe, gp, "mdt-gp-actions")
    gp.get_by_role("button", name=re.compile(r"^Acknowledge\W+Check blood pressure")).click()
    expect(gp.get_by_role("status")).to_contain_text("Acknowledged")
    assert_accessible(axe, gp, "mdt-gp-acknowledged")
    gp.context.close()
