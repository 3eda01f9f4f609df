"""The front door's pages over HTTP (forms posted as a browser with JavaScript off would)."""

from __future__ import annotations

import pytest

from carecoord_shared.events.schemas import SchemaCatalogue
from portal.events import SCHEMAS
from portal.web.identity import ProofingLevel
from services.portal.tests.front_door.conftest import Portal, coordinator_assigned, plan_revised

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_visitor_who_says_yes_to_chest_pain_sees_999_advice_at_once(
    portal: Portal,
) -> None:
    portal.client.cookies.clear()
    token = await portal.csrf("/start")

    page = await portal.client.post("/start", data={"csrf_token": token, "answer": "chest-pain"})

    assert page.status_code == 200
    assert "Call 999 now" in page.text
    assert "heart attack" in page.text


async def test_a_visitor_with_no_red_flags_is_asked_to_sign_in_to_send_a_request(
    portal: Portal,
) -> None:
    portal.client.cookies.clear()
    token = await portal.csrf("/start")

    page = await portal.client.post("/start", data={"csrf_token": token})

    assert page.status_code == 303
    assert page.headers["location"] == "/requests/new"


async def test_a_form_without_its_csrf_token_is_refused(portal: Portal) -> None:
    portal.client.cookies.clear()

    page = await portal.client.post("/start", data={"answer": "chest-pain"})

    assert page.status_code == 403


async def test_crushing_chest_pain_in_free_text_keeps_the_request_and_raises_a_stat_task(
    portal: Portal,
) -> None:
    nhs = await portal.sign_in("P5")

    page = await portal.ask(
        age="58",
        sex="male",
        answer="other-problem",
        text="crushing pain in my chest <script>alert(1)</script>",
    )

    assert page.status_code == 200, page.text
    assert "Call 999 now" in page.text
    assert "duty clinician" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert await portal.stored("Communication", nhs) == 1
    assert await portal.stored("CommunicationRequest", nhs) == 1
    # By content: until Task is declared once for both faces (see the report), the
    # subscriptions face's declaration, which names no patient, is the one in force.
    task = await portal.scalar(
        "SELECT convert_from(content, 'UTF8')::jsonb FROM resource WHERE resource_type = 'Task' "
        "AND convert_from(content, 'UTF8')::jsonb->'for'->'identifier'->>'value' = :nhs",
        nhs=nhs,
    )
    assert task["priority"] == "stat"
    assert task["code"]["coding"][0]["code"] == "red-flag-callback"
    assert await portal.stored("Task", nhs) == 1
    events = {e.pop("type"): e for e in await portal.events(nhs)}
    assert sorted(events) == [
        "carecoord.portal.red-flag-raised.v1",
        "carecoord.portal.request-routed.v1",
    ]
    schemas = SchemaCatalogue.from_folder(SCHEMAS)
    for event_type, data in events.items():
        schemas.validate(event_type, data)
    raised = events["carecoord.portal.red-flag-raised.v1"]
    routed = events["carecoord.portal.request-routed.v1"]
    assert raised["task"] == f"Task/{task['id']}"
    assert raised["request"] == routed["request"]
    assert (raised["route"], routed["route"], routed["redFlag"]) == ("999", "999", True)
    assert raised["flags"]
    assert raised["ruleId"] == routed["ruleId"]
    assert routed["communication"].startswith("Communication/")


async def test_a_woman_of_30_with_uti_symptoms_is_sent_to_an_open_pharmacy(
    portal: Portal,
) -> None:
    nhs = await portal.sign_in("P5")

    page = await portal.ask(age="30", sex="female", answer="uti-symptoms")

    assert page.status_code == 200, page.text
    assert "See a pharmacist" in page.text
    assert "is open now" in page.text
    assert await portal.stored("Task", nhs) == 0


async def test_over_long_text_is_refused_but_its_red_flag_is_still_shown(portal: Portal) -> None:
    nhs = await portal.sign_in("P5")

    page = await portal.ask(age="40", sex="female", text="I can't breathe " + "x" * 2100)

    assert page.status_code == 400
    assert "at most 2000 characters" in page.text
    assert "Call 999 now" in page.text
    assert await portal.stored("Communication", nhs) == 0


@pytest.mark.parametrize(
    ("level", "path", "needed"), [("P0", "/requests/new", "P5"), ("P5", "/my/plan", "P9")]
)
async def test_a_patient_below_the_level_a_page_needs_is_told_which_level_would_let_them_in(
    portal: Portal, level: ProofingLevel, path: str, needed: str
) -> None:
    await portal.sign_in(level)

    page = await portal.client.get(path)

    assert page.status_code == 403
    assert f"level {needed}" in page.text


async def test_a_p9_patient_sees_their_own_plan_and_never_anothers(portal: Portal) -> None:
    mine = await portal.sign_in("P9")
    other = "9990000018" if mine != "9990000018" else "9990000026"
    await portal.deliver(
        "carecoord.careplan.revised.v1", mine, plan_revised("Walking to the shops again")
    )
    await portal.deliver(
        "carecoord.coordinator.assigned.v1", mine, coordinator_assigned("Alex Carer")
    )
    await portal.deliver("carecoord.careplan.revised.v1", other, plan_revised("Someone else"))

    page = await portal.client.get("/my/plan")

    assert page.status_code == 200, page.text
    assert "Walking to the shops again" in page.text
    assert "Alex Carer" in page.text
    assert "Someone else" not in page.text
    assert "Last updated" in page.text


async def test_signed_out_browsers_are_sent_to_sign_in(portal: Portal) -> None:
    portal.client.cookies.clear()

    page = await portal.client.get("/my/plan")

    assert page.status_code == 303
    assert page.headers["location"].startswith("/auth/login")


async def test_a_p9_patient_sees_their_own_requests_and_never_anothers(portal: Portal) -> None:
    await portal.sign_in("P5")
    theirs = await portal.ask(age="40", sex="male", answer="foot-problem")
    assert "Refer yourself" in theirs.text
    await portal.sign_in("P9")
    sent = await portal.ask(age="30", sex="female", answer="uti-symptoms")
    assert sent.status_code == 200, sent.text

    page = await portal.client.get("/my/plan")

    assert page.status_code == 200, page.text
    requests = page.text[page.text.index("Your requests") :]
    assert "See a pharmacist" in requests
    assert "Refer yourself" not in requests  # the P5 patient's podiatry request


async def test_a_forged_nhs_number_in_the_form_is_ignored(portal: Portal) -> None:
    mine = await portal.sign_in("P5")
    forged = "9990000018" if mine != "9990000018" else "9990000026"
    before = await portal.stored("Communication", forged)

    page = await portal.ask(
        age="40", sex="female", answer="foot-problem", nhs_number=forged, patient=forged
    )

    assert page.status_code == 200, page.text
    assert await portal.stored("Communication", mine) == 1
    assert await portal.stored("Communication", forged) == before
