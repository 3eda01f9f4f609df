"""The GP's advice & guidance pages over real HTTP, against the real referrals service."""

from __future__ import annotations

import httpx
import pytest

from services.portal.tests.staff.conftest import (
    GP,
    OTHER_PRACTICE,
    StaffStack,
    csrf_token,
    register,
    sign_in,
    unique,
)

pytestmark = pytest.mark.usefixtures("seeded")


def _spaced(nhs_number: str) -> str:
    return f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"


async def _new_request(
    stack: StaffStack, client: httpx.AsyncClient, nhs_number: str, question: str
) -> httpx.Response:
    form = await client.get(f"{stack.portal_url}/advice/new")
    assert form.status_code == 200, form.text
    return await client.post(
        f"{stack.portal_url}/advice/new",
        data={
            "csrf_token": csrf_token(form.text),
            "service": stack.cardiology,
            "nhs_number": _spaced(nhs_number),
            "priority": "urgent",
            "question": question,
        },
    )


async def test_a_gp_asks_for_advice_and_the_nhs_number_never_reaches_a_url(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    nhs_number = await register(seeded, GP.organisation)
    question = unique("Is this ECG normal?")
    await sign_in(browser_client, seeded, "gp")

    sent = await _new_request(seeded, browser_client, nhs_number, question)

    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    assert location.startswith("/advice/")
    assert nhs_number not in location
    page = await browser_client.get(f"{seeded.portal_url}{location}")
    assert question in page.text
    assert "Provider response required" in page.text
    listed = await browser_client.get(f"{seeded.portal_url}/advice")
    assert question in listed.text
    assert all(nhs_number not in str(r.url) for r in (sent, page, listed))


async def test_the_directory_is_searched_by_specialty(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    await sign_in(browser_client, seeded, "gp")
    page = await browser_client.get(
        f"{seeded.portal_url}/advice/new", params={"specialty": "394810000"}
    )
    assert "Rheumatology A&amp;G" in page.text
    assert "Cardiology A&amp;G" not in page.text


async def test_a_wrong_nhs_number_or_another_practices_patient_is_explained(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    await sign_in(browser_client, seeded, "gp")
    wrong = await _new_request(seeded, browser_client, "9999999990", "Question")
    stranger = await register(seeded, OTHER_PRACTICE)
    refused = await _new_request(seeded, browser_client, stranger, unique("Question"))
    assert wrong.status_code == 400
    assert "Enter a valid NHS number" in wrong.text
    assert refused.status_code == 400
    assert "not registered at your practice" in refused.text


async def test_the_gp_answers_a_request_for_information_and_the_clock_resumes(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    nhs_number = await register(seeded, GP.organisation)
    await sign_in(browser_client, seeded, "gp")
    location = (await _new_request(seeded, browser_client, nhs_number, unique("Q"))).headers[
        "location"
    ]
    request_id = location.rsplit("/", 1)[1]
    async with httpx.AsyncClient() as clinician:
        await sign_in(clinician, seeded, "triage-clinician")
        url = f"{seeded.portal_url}/triage/requests/{request_id}"
        page = await clinician.get(url)
        asked = await clinician.post(
            f"{url}/outcome",
            data={
                "csrf_token": csrf_token(page.text),
                "outcome": "information-requested",
                "note": "What is the latest eGFR?",
            },
        )
        assert asked.status_code == 303
    waiting = await browser_client.get(f"{seeded.portal_url}/advice")
    assert "Awaiting information from the referrer" in waiting.text
    page = await browser_client.get(f"{seeded.portal_url}{location}")
    assert "What is the latest eGFR?" in page.text

    replied = await browser_client.post(
        f"{seeded.portal_url}{location}/reply",
        data={"csrf_token": csrf_token(page.text), "reply": "eGFR 54 last week"},
    )

    assert replied.status_code == 303, replied.text
    after = await browser_client.get(f"{seeded.portal_url}{location}")
    assert "eGFR 54 last week" in after.text
    assert "Provider response required" in after.text


async def test_a_triage_clinician_cannot_use_the_gp_pages(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    await sign_in(browser_client, seeded, "triage-clinician")
    assert (await browser_client.get(f"{seeded.portal_url}/advice/new")).status_code == 403


async def test_referrals_down_is_shown_in_its_part_of_the_page_with_a_retry(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    await sign_in(browser_client, seeded, "gp")
    page = await seeded.while_down(browser_client, "referrals", "/advice")
    assert page.status_code == 200
    assert "The referrals service is not answering" in page.text
    assert '<a href="/advice">Try again</a>' in page.text
    assert f"Signed in as {GP.name}" in page.text, "the rest of the page still works"
