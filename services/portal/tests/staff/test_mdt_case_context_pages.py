"""Meeting mode's case summary from the other services: the shared care plan and the
recent referrals of the case's patient, each read with the user's own token and each
degrading on its own when its service is down.

The real mdt, care_plans and referrals services run beside the portal; the patient is
registered at the demo GP's practice in each, the GP (a member of the MDT) has written
the plan and asked for advice, and opens the case in meeting mode.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from carecoord_shared.fhir.definitions import extension_url
from services.portal.tests.staff.conftest import (
    GP,
    NHS,
    ODS,
    StaffStack,
    ask,
    signed_in,
    unique,
)
from services.portal.tests.staff.mdt_fixtures import (
    MdtWorld,
    listed_meeting,
)

PRACTICE = str(GP.organisation)


async def _shared_plan(stack: StaffStack, nhs: str, goal: str) -> None:
    """The patient in care_plans, a goal in their words and an active plan with an
    activity and end-of-life preferences, written by their GP."""
    subject = {"identifier": {"system": NHS, "value": nhs}}
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": nhs}],
        "generalPractitioner": [{"identifier": {"system": ODS, "value": PRACTICE}}],
    }
    gp = stack.token("gp", PRACTICE)
    async with httpx.AsyncClient(base_url=f"{stack.care_plans_url}/fhir", timeout=20) as client:
        made = await client.post("/Patient", json=patient, headers=stack.token("system", None))
        assert made.status_code == 201, made.text
        wish = {
            "resourceType": "Goal",
            "lifecycleStatus": "active",
            "subject": subject,
            "description": {"text": goal},
        }
        goal_made = await client.post("/Goal", json=wish, headers=gp)
        assert goal_made.status_code == 201, goal_made.text
        plan = {
            "resourceType": "CarePlan", "status": "active", "intent": "plan",
            "title": "My care and support plan", "subject": subject,
            "period": {"start": "2026-09-01"},
            "goal": [{"reference": f"Goal/{goal_made.json()['id']}"}],
            "activity": [{"detail": {"status": "in-progress", "description": "Falls clinic"}}],
            "extension": [{"url": extension_url("end-of-life-preferences"), "extension": [
                {"url": "preferredPlaceOfCare", "valueString": "Home"}]}],
        }  # fmt: skip
        made = await client.post("/CarePlan", json=plan, headers=gp)
        assert made.status_code == 201, made.text


async def _asked(stack: StaffStack, question: str) -> str:
    """An A&G request about a new patient of the GP's practice; the patient's NHS number."""
    request_id = await ask(stack, PRACTICE, stack.cardiology, question)
    async with httpx.AsyncClient(base_url=f"{stack.referrals_url}/fhir", timeout=20) as client:
        read = await client.get(
            f"/ServiceRequest/{request_id}", headers=stack.token("gp", PRACTICE)
        )
    assert read.status_code == 200, read.text
    return str(read.json()["subject"]["identifier"]["value"])


@pytest.fixture(scope="module")
async def case(with_care_plans: StaffStack, with_mdt: MdtWorld) -> dict[str, Any]:
    with_mdt.point()  # care_plans, referrals and mdt all where they run
    goal, question = unique("Walk to the shops"), unique("Dizzy spells?")
    nhs = await _asked(with_care_plans, question)
    await _shared_plan(with_care_plans, nhs, goal)
    made = await listed_meeting(with_mdt, unique("Context MDT"), [unique("Falls?")], nhs)
    path = f"/mdt/meetings/{made.meeting}/cases/{made.cases[0]}"
    return {"path": path, "goal": goal, "question": question}


async def test_meeting_mode_shows_the_shared_plan_and_recent_referrals(
    with_mdt: MdtWorld, case: dict[str, Any], browser_client: httpx.AsyncClient
) -> None:
    gp = await signed_in(browser_client, with_mdt.stack, "gp")

    page = await gp.get(case["path"])

    assert page.status_code == 200, page.text
    plan = page.text.split('id="case-plan"')[1].split("</dd>")[0]
    assert "My care and support plan" in plan
    assert case["goal"] in plan, "the goal in the patient's words"
    assert "Falls clinic (in progress)" in plan
    assert "Preferred place of care: Home" in plan
    assert "Next review: 1 September 2027" in plan
    referrals = page.text.split('id="case-referrals"')[1].split("</dd>")[0]
    assert "Advice and guidance" in referrals
    assert case["question"] in referrals


@pytest.mark.parametrize("down", ["care_plans", "referrals"])
async def test_each_part_says_when_its_service_is_down_and_the_rest_still_works(
    with_mdt: MdtWorld, case: dict[str, Any], browser_client: httpx.AsyncClient, down: str
) -> None:
    gp = await signed_in(browser_client, with_mdt.stack, "gp")
    page = await with_mdt.while_down(gp, case["path"], down)

    assert page.status_code == 200, page.text
    plan = page.text.split('id="case-plan"')[1].split("</dd>")[0]
    referrals = page.text.split('id="case-referrals"')[1].split("</dd>")[0]
    broken, working = (plan, referrals) if down == "care_plans" else (referrals, plan)
    assert "is not answering" in broken
    assert f'href="{case["path"]}">Try again' in broken
    assert "is not answering" not in working
    assert (case["goal"] if down == "referrals" else case["question"]) in working
    assert 'name="status"' in page.text, "the outcome form works"
