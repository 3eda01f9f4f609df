"""The GP's advice & guidance pages over real HTTP, against the real referrals service."""

from __future__ import annotations

import httpx

from services.portal.tests.staff.conftest import (
    GP,
    OTHER_PRACTICE,
    PortalUser,
    StaffStack,
    register,
    signed_in,
    unique,
)


def _spaced(nhs_number: str) -> str:
    return f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"


async def _new_request(gp: PortalUser, nhs_number: str, question: str) -> httpx.Response:
    form = await gp.get("/advice/new")
    assert form.status_code == 200, form.text
    return await gp.post("/advice/new", {
        "service": gp.stack.cardiology, "nhs_number": _spaced(nhs_number), "priority": "urgent",
        "question": question,
    })  # fmt: skip


async def test_a_gp_asks_for_advice_and_the_nhs_number_never_reaches_a_url(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    nhs_number = await register(seeded, GP.organisation)
    question = unique("Is this ECG normal?")
    gp = await signed_in(browser_client, seeded, "gp")

    sent = await _new_request(gp, nhs_number, question)

    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    assert location.startswith("/advice/")
    assert nhs_number not in location
    page = await gp.get(location)
    assert question in page.text
    assert "Provider response required" in page.text
    listed = await gp.get("/advice")
    assert question in listed.text
    assert all(nhs_number not in str(r.url) for r in (sent, page, listed))


async def test_the_directory_is_searched_by_specialty(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    gp = await signed_in(browser_client, seeded, "gp")
    page = await gp.get("/advice/new", specialty="394810000")
    assert "Rheumatology A&amp;G" in page.text
    assert "Cardiology A&amp;G" not in page.text


async def test_a_wrong_nhs_number_or_another_practices_patient_is_explained(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    gp = await signed_in(browser_client, seeded, "gp")
    wrong = await _new_request(gp, "9999999990", "Question")
    stranger = await register(seeded, OTHER_PRACTICE)
    refused = await _new_request(gp, stranger, unique("Question"))
    assert wrong.status_code == 400
    assert "Enter a valid NHS number" in wrong.text
    assert refused.status_code == 400
    assert "not registered at your practice" in refused.text


async def test_the_gp_answers_a_request_for_information_and_the_clock_resumes(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    nhs_number = await register(seeded, GP.organisation)
    gp = await signed_in(browser_client, seeded, "gp")
    location = (await _new_request(gp, nhs_number, unique("Q"))).headers["location"]
    request_id = location.rsplit("/", 1)[1]
    async with httpx.AsyncClient() as client:
        clinician = await signed_in(client, seeded, "triage-clinician")
        path = f"/triage/requests/{request_id}"
        await clinician.get(path)
        asked = await clinician.post(f"{path}/outcome", {
            "outcome": "information-requested", "note": "What is the latest eGFR?",
        })  # fmt: skip
        assert asked.status_code == 303
    waiting = await gp.get("/advice")
    assert "Awaiting information from the referrer" in waiting.text
    page = await gp.get(location)
    assert "What is the latest eGFR?" in page.text

    replied = await gp.post(f"{location}/reply", {"reply": "eGFR 54 last week"})

    assert replied.status_code == 303, replied.text
    after = await gp.get(location)
    assert "eGFR 54 last week" in after.text
    assert "Provider response required" in after.text
