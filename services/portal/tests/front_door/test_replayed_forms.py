"""A request form sent twice (a double click, a resubmitted page) is one request."""

from __future__ import annotations

import asyncio

import pytest

from services.portal.tests.front_door.conftest import Portal

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROUTED = "portal_front_door_routes_total"
_CHEST_PAIN = {"age": "61", "sex": "male", "answer": "other-problem", "text": "crushing chest pain"}


async def _stored(portal: Portal, nhs: str) -> dict[str, int]:
    rows = await portal.scalar(
        "SELECT coalesce(jsonb_object_agg(t, n), '{}'::jsonb) FROM (SELECT resource_type AS t, "
        "count(*) AS n FROM resource WHERE patient_nhs = :nhs GROUP BY resource_type) AS c",
        nhs=nhs,
    )
    return {**rows, "events": len(await portal.events(nhs))}


async def test_the_same_form_sent_again_keeps_one_request_and_still_shows_the_advice(
    portal: Portal,
) -> None:
    nhs = await portal.sign_in("P5")
    fields = await portal.form_fields("/requests/new")

    first = await portal.client.post("/requests/new", data={**fields, **_CHEST_PAIN})
    again = await portal.client.post("/requests/new", data={**fields, **_CHEST_PAIN})

    assert first.status_code == 200, first.text
    assert again.status_code == 409, again.text
    assert "You have already sent this request" in again.text
    assert "Call 999 now" in again.text  # a red flag's advice is never dropped
    assert await _stored(portal, nhs) == {
        "Communication": 1,
        "CommunicationRequest": 1,
        "Task": 1,
        "events": 2,
    }


async def test_a_double_click_sending_the_form_twice_at_once_keeps_one_request(
    portal: Portal,
) -> None:
    nhs = await portal.sign_in("P5")
    fields = await portal.form_fields("/requests/new")
    data = {**fields, "age": "40", "sex": "female", "answer": "back-or-joint-pain"}

    before = await portal.counter(ROUTED, route="self-referral")

    pages = await asyncio.gather(*(portal.client.post("/requests/new", data=data) for _ in "12"))

    assert sorted(p.status_code for p in pages) == [200, 409], [p.text[:300] for p in pages]
    assert await _stored(portal, nhs) == {
        "Communication": 1,
        "CommunicationRequest": 1,
        "events": 1,
    }
    assert await portal.counter(ROUTED, route="self-referral") == before + 1  # counted once


async def test_two_forms_opened_one_after_the_other_are_two_requests(portal: Portal) -> None:
    nhs = await portal.sign_in("P5")

    for _ in range(2):
        page = await portal.ask(age="40", sex="female", answer="back-or-joint-pain")
        assert page.status_code == 200, page.text

    assert (await _stored(portal, nhs))["Communication"] == 2


@pytest.mark.parametrize("form_id", ["", "not-a-form-id", "a" * 31, "A" * 32])
async def test_a_form_without_a_valid_form_id_is_refused_and_nothing_is_stored(
    portal: Portal, form_id: str
) -> None:
    nhs = await portal.sign_in("P5")
    fields = await portal.form_fields("/requests/new")

    page = await portal.client.post(
        "/requests/new", data={**fields, **_CHEST_PAIN, "form_id": form_id}
    )

    assert page.status_code == 400
    assert "This form was out of date" in page.text
    assert "Call 999 now" in page.text  # refused, yet the red flag in its text is shown
    assert await _stored(portal, nhs) == {"events": 0}
