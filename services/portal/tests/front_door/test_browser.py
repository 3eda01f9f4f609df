"""The front door as patients use it: Debian's Chromium through Playwright, the whole
portal served on loopback, patients signed in through the development OIDC provider as
its demo patients at P0, P5 and P9, and the duty clinician as its demo GP.

Every page a journey reaches is scanned by axe-core at WCAG 2.2 A/AA (no violations);
the red-flag screen and a routed request are also run with JavaScript off. What the
pages say was stored is checked through the portal's FHIR API with the patient's own
token. Screenshots go to `services/portal/tests/web/screenshots/` with `front-door-` names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from portal.fhir.front_door import TASK_CODE_SYSTEM
from services.portal.tests.front_door.browsing import (
    checked,
    checked_narrow,
    new_page,
    p9_asks,
    p9_writes,
    send_request,
    signed_in,
)
from services.portal.tests.front_door.live import (
    COORDINATOR,
    COORDINATOR_LOGIN,
    GP,
    P0,
    P5,
    P9,
    PLAN_TITLE,
    FrontDoorStack,
)

CALLBACKS = f"{TASK_CODE_SYSTEM}|red-flag-callback"


def _fhir(stack: FrontDoorStack, nhs: str, path: str) -> list[dict[str, Any]]:
    found = httpx.get(f"{stack.portal_url}/fhir/{path}", headers=stack.token(nhs), timeout=20)
    assert found.status_code == 200, found.text
    return [entry["resource"] for entry in found.json().get("entry", [])]


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_a_visitor_who_has_chest_pain_sees_999_advice_at_once_without_signing_in(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe, js: bool
) -> None:
    page = new_page(browser, js)
    page.goto(f"{front_door_stack.portal_url}/start")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for help with a health problem")
    checked(axe, page, "start", js)

    page.locator("#answer-chest-pain").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Call 999 now")
    assert page.url == f"{front_door_stack.portal_url}/start"  # the next page, no sign-in
    checked(axe, page, "red-flag-advice", js)
    page.context.close()


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_a_p5_patient_with_back_pain_is_sent_to_physiotherapy(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe, js: bool
) -> None:
    page = signed_in(browser, front_door_stack, P5.name, "/requests/new", js)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for help")
    checked(axe, page, "ask", js)

    send_request(page, 40, "Female", "back-or-joint-pain")

    expect(page.get_by_role("heading", level=1)).to_have_text("Refer yourself")
    expect(page.get_by_role("main")).to_contain_text("Community MSK Physiotherapy")
    expect(page.get_by_role("main")).to_contain_text("We have kept your request")
    checked(axe, page, "routed", js)
    page.context.close()


def test_chest_pain_in_free_text_keeps_the_request_and_the_duty_clinician_records_the_call(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe
) -> None:
    stack, nhs = front_door_stack, str(P5.nhs_number)
    before = len(_fhir(stack, nhs, f"Task?code={CALLBACKS}"))
    page = signed_in(browser, stack, P5.name, "/requests/new")
    send_request(page, 58, "Male", "other-problem", "crushing pain in my chest", "07700 900982")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Call 999 now")
    expect(page.get_by_role("main")).to_contain_text("told the duty clinician")
    checked(axe, page, "free-text-red-flag")
    page.context.close()
    tasks = _fhir(stack, nhs, f"Task?code={CALLBACKS}&status=requested")
    assert len(_fhir(stack, nhs, f"Task?code={CALLBACKS}")) == before + 1
    assert [t["priority"] for t in tasks] == ["stat"] * len(tasks)
    kept = _fhir(stack, nhs, "CommunicationRequest?priority=stat")
    assert {t["focus"]["reference"] for t in tasks} <= {
        f"CommunicationRequest/{r['id']}" for r in kept
    }

    duty = signed_in(browser, stack, GP.name, "/duty/callbacks")
    card = duty.get_by_role("region", name=f"Call back {P5.name}, NHS number {nhs}").first
    expect(card.get_by_role("link", name="07700 900982")).to_have_attribute(
        "href", "tel:07700900982"
    )
    checked(axe, duty, "duty-callbacks")
    checked_narrow(axe, duty, "duty-callbacks")
    card.get_by_label("Spoke to the patient").check()
    card.get_by_label("What you advised or did").fill("Ambulance called; patient waiting.")
    card.get_by_role("button", name="Record callback").click()
    expect(duty.get_by_role("status")).to_contain_text("Callback recorded.")
    checked(axe, duty, "duty-callback-recorded")
    duty.context.close()
    done = _fhir(stack, nhs, f"Task?code={CALLBACKS}&status=completed")
    assert any("Ambulance called" in n["text"] for t in done for n in t.get("note", []))


def test_a_p0_patient_is_refused_and_told_what_would_let_them_in(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe
) -> None:
    page = signed_in(browser, front_door_stack, P0.name, "/requests/new")

    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot see this yet")
    expect(page.get_by_role("main")).to_contain_text("NHS login level P5")
    checked(axe, page, "p0-refused")
    page.context.close()


def test_a_p9_patient_sees_their_plan_co_ordinator_and_requests_even_at_320px(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe
) -> None:
    page = signed_in(browser, front_door_stack, P9.name, "/requests/new")
    send_request(page, 72, "Male", "plan-question")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(f"{front_door_stack.portal_url}/my/plan")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your care")
    main = page.get_by_role("main")
    expect(main).to_contain_text(PLAN_TITLE)
    expect(main).to_contain_text(COORDINATOR)
    expect(page.get_by_role("table")).to_contain_text("Contact your care co-ordinator")
    checked(axe, page, "my-care")
    checked_narrow(axe, page, "my-care")
    page.context.close()


def test_a_p9_patient_and_their_co_ordinator_write_on_a_request_then_the_patient_gives_feedback(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe
) -> None:
    stack = front_door_stack
    page, request_path = p9_asks(browser, stack, "Can I change my inhaler time?")
    p9_writes(page, "It clashes with my lunch.")
    checked(axe, page, "thread")

    staff = signed_in(browser, stack, COORDINATOR_LOGIN.name, "/duty/requests")
    checked(axe, staff, "team-requests")
    staff.locator(f"a[href='{request_path.replace('/my/', '/duty/')}']").click()
    expect(staff.get_by_role("main")).to_contain_text("It clashes with my lunch.")
    staff.get_by_label("Reply to the patient").fill("Take it after lunch instead.")
    staff.get_by_label("This answers the request").check()
    staff.get_by_role("button", name="Send message").click()
    expect(staff.locator("#request-state")).to_have_text("Answered")
    checked(axe, staff, "team-thread")
    staff.context.close()

    page.goto(f"{stack.portal_url}{request_path}")
    expect(page.get_by_role("main")).to_contain_text("Take it after lunch instead.")
    checked(axe, page, "feedback-question")
    page.get_by_label("Very helpful", exact=True).check()
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you for your feedback.")
    page.context.close()
    week = "{}-W{:02d}".format(*datetime.now(UTC).isocalendar()[:2])
    report = httpx.get(
        f"{stack.portal_url}/fhir/$feedback-report?week={week}",
        headers={
            "Authorization": f"Bearer {stack.issuer.mint('gp', organisation=GP.organisation)}"
        },
        timeout=20,
    )
    assert report.status_code == 200, report.text
    groups = {g["code"]["coding"][0]["code"]: g for g in report.json()["group"]}
    assert groups["gp"]["measureScore"]["value"] == 1.0


def test_a_p9_patient_gives_feedback_after_an_ag_answer_and_it_is_in_the_weekly_report(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe
) -> None:
    stack = front_door_stack
    page = signed_in(browser, stack, P9.name, "/my/plan")
    question = page.get_by_role("group", name="How helpful was the specialist's advice to your GP?")
    checked(axe, page, "episode-feedback")
    question.get_by_label("Helpful", exact=True).check()
    page.get_by_label("Anything you want to tell us (optional)").fill("Saved me a trip.")
    page.get_by_role("button", name="Send feedback").click()

    expect(page.get_by_role("status")).to_contain_text("Thank you for your feedback.")
    expect(page.get_by_role("heading", name="Tell us how it went")).to_have_count(0)
    checked_narrow(axe, page, "episode-feedback-thanks")
    page.context.close()
    week = "{}-W{:02d}".format(*datetime.now(UTC).isocalendar()[:2])
    gp = {"Authorization": f"Bearer {stack.issuer.mint('gp', organisation=GP.organisation)}"}
    report = httpx.get(
        f"{stack.portal_url}/fhir/$feedback-report?week={week}", headers=gp, timeout=20
    )
    assert report.status_code == 200, report.text
    groups = {g["code"]["coding"][0]["code"]: g for g in report.json()["group"]}
    assert [p["count"] for p in groups["advice-and-guidance"]["population"]] == [1, 1, 1]
