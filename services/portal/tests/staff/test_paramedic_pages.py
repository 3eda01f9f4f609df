"""The paramedic's console over real HTTP, against the real referrals service: who to
ring now in ringing order, recording a call, and the summary it opens."""

from __future__ import annotations

import httpx

from services.portal.tests.staff.conftest import GP, StaffStack, advice_line, register, signed_in


async def test_who_to_ring_lists_the_open_lines_of_the_locality_in_ringing_order(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    await advice_line(seeded, "north", "Dr First", "Dr Second")
    await advice_line(seeded, "south", "Dr Elsewhere")
    paramedic = await signed_in(browser_client, seeded, "paramedic")

    page = await paramedic.get("/advice-lines", specialty="394811001", locality="north")

    assert page.status_code == 200, page.text
    assert page.text.index("Dr First") < page.text.index("Dr Second")
    assert "Dr Elsewhere" not in page.text
    assert 'href="tel:01632960101"' in page.text


async def test_a_recorded_call_opens_the_patient_summary_and_its_url_has_no_nhs_number(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    line_id = await advice_line(seeded, "west", "Dr West")
    nhs_number = await register(seeded, str(GP.organisation))
    paramedic = await signed_in(browser_client, seeded, "paramedic")
    await paramedic.get("/advice-lines/calls/new", line=line_id)

    recorded = await paramedic.post("/advice-lines/calls/new", {
        "line": line_id, "nhs_number": nhs_number, "outcome": "not-conveyed",
        "note": "Fluids and review by GP tomorrow", "locality": "west",
    })  # fmt: skip

    assert recorded.status_code == 303, recorded.text
    location = recorded.headers["location"]
    assert location.startswith("/advice-lines/calls/")
    assert nhs_number not in location
    page = await paramedic.get(location)
    assert page.status_code == 200, page.text
    assert "Call recorded: Not conveyed" in page.text
    assert "Fluids and review by GP tomorrow" in page.text


async def test_a_call_without_an_outcome_or_a_valid_nhs_number_is_refused_with_both_problems(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    line_id = await advice_line(seeded, "east", "Dr East")
    paramedic = await signed_in(browser_client, seeded, "paramedic")
    await paramedic.get("/advice-lines/calls/new")

    refused = await paramedic.post(
        "/advice-lines/calls/new", {"line": line_id, "nhs_number": "123"}
    )

    assert refused.status_code == 400, refused.text
    assert 'href="#nhs_number"' in refused.text
    assert 'href="#outcome"' in refused.text
