"""Live updates over real HTTP: a triage outcome travels as referrals' event through
Kafka to the portal's worker, which announces it, and reaches the server-sent event
stream of the GP's open request page; a stream is only for someone who may read it."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from portal.events.staff_live import references
from services.portal.tests.staff.conftest import (
    GP,
    OTHER_PRACTICE,
    TRIAGE,
    StaffStack,
    ask,
    sign_in,
)

pytestmark = pytest.mark.usefixtures("live_feed")


async def advise(stack: StaffStack, request_id: str, advice: str) -> None:
    """The triage clinician gives advice over referrals' API."""
    headers = stack.token("triage-clinician", TRIAGE.organisation)
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "outcome", "valueCode": "advice-given"},
            {"name": "note", "valueString": advice},
        ],
    }
    async with httpx.AsyncClient(base_url=f"{stack.referrals_url}/fhir") as client:
        current = await client.get(f"/ServiceRequest/{request_id}", headers=headers)
        assert current.status_code == 200, current.text
        headers |= {"If-Match": current.headers["ETag"]}
        decided = await client.post(
            f"/ServiceRequest/{request_id}/$triage", json=body, headers=headers
        )
    assert decided.status_code == 200, decided.text


async def _first_change(client: httpx.AsyncClient, url: str, opened: asyncio.Event) -> str:
    async with client.stream("GET", url) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        async for line in stream.aiter_lines():
            if line.startswith(": watching"):
                opened.set()
            if line.startswith("data: "):
                return line.removeprefix("data: ")
    return ""


async def test_a_triage_outcome_reaches_the_gps_open_page_through_the_events(
    live_feed: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    stack = live_feed
    request_id = await ask(stack, str(GP.organisation), stack.cardiology, "Live: murmur?")
    await sign_in(browser_client, stack, "gp")
    opened = asyncio.Event()
    watching = asyncio.create_task(
        _first_change(browser_client, f"{stack.portal_url}/live/requests/{request_id}", opened)
    )
    await asyncio.wait_for(opened.wait(), 20)

    await advise(stack, request_id, "Echo first, then refer")

    assert await asyncio.wait_for(watching, 45) == f"ServiceRequest/{request_id}"
    page = await browser_client.get(f"{stack.portal_url}/advice/{request_id}")
    assert "Echo first, then refer" in page.text


async def test_a_new_request_reaches_the_clinicians_open_worklist(
    live_feed: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    stack = live_feed
    await sign_in(browser_client, stack, "triage-clinician")
    opened = asyncio.Event()
    watching = asyncio.create_task(
        _first_change(browser_client, f"{stack.portal_url}/live/worklist", opened)
    )
    await asyncio.wait_for(opened.wait(), 20)

    await ask(stack, str(GP.organisation), stack.cardiology, "Live: new on the list")

    assert await asyncio.wait_for(watching, 45) == f"HealthcareService/{stack.cardiology}"


async def test_someone_whose_organisation_runs_no_service_has_no_worklist_stream(
    live_feed: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    await sign_in(browser_client, live_feed, "gp")
    refused = await browser_client.get(f"{live_feed.portal_url}/live/worklist")
    assert refused.status_code == 404


def test_an_event_names_its_request_and_services_once_and_nothing_else() -> None:
    data = {
        "nhsNumber": "9990000018",
        "serviceRequest": "ServiceRequest/r1",
        "performer": ["HealthcareService/s1", "HealthcareService/s1", "Organization/x"],
        "service": "HealthcareService/s2",
    }
    assert references(data) == ["ServiceRequest/r1", "HealthcareService/s2", "HealthcareService/s1"]
    assert references({"nhsNumber": "9990000018"}) == []
    assert references(None) == []


async def test_a_stream_for_a_request_the_user_may_not_read_looks_like_nothing_there(
    live_feed: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    stack = live_feed
    theirs = await ask(stack, OTHER_PRACTICE, stack.cardiology, "Not for this GP")
    await sign_in(browser_client, stack, "gp")

    hidden = await browser_client.get(f"{stack.portal_url}/live/requests/{theirs}")
    missing = await browser_client.get(f"{stack.portal_url}/live/requests/no-such-request")

    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert "text/event-stream" not in hidden.headers["content-type"]


async def test_a_signed_out_browser_gets_no_stream(live_feed: StaffStack) -> None:
    async with httpx.AsyncClient() as anonymous:
        refused = await anonymous.get(f"{live_feed.portal_url}/live/requests/anything")
    assert refused.status_code == 303, "sent to sign in, like any page"
    assert refused.headers["location"].startswith("/auth/login?return_to=")
    assert "text/event-stream" not in refused.headers.get("content-type", "")
