"""What an A&G submission costs PostgreSQL (issue 16), counted so a regression shows.

The request's id and its Task's are chosen before they are stored, so its UBRN is
written once, already held for it, in the statement that opens its triage case; a
conditional create that finds the request gives the UBRN (and the case) back.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from carecoord_shared.testing.statements import counting
from referrals.store.tables import triage_case, ubrn
from services.referrals.tests.bodies import service_request
from services.referrals.tests.conftest import Referrals
from services.referrals.tests.flows import referrer, tasks_for, ubrn_of

OWN_ID = "https://carecoord.example/test-request-id"


async def _body(referrals: Referrals) -> dict[str, Any]:
    return service_request(
        await referrals.registered_patient(),
        performer=f"HealthcareService/{referrals.default_service}",
    )


async def _holders(referrals: Referrals) -> dict[str, str]:
    async with referrals.engine.connect() as conn:
        rows = await conn.execute(sa.select(ubrn.c.value, ubrn.c.service_request))
        return {value: held for value, held in rows}


async def _cases(referrals: Referrals) -> dict[str, tuple[str, str]]:
    """Each triage case's UBRN: (its request, its Task)."""
    case = triage_case.c
    async with referrals.engine.connect() as conn:
        rows = await conn.execute(sa.select(case.ubrn, case.service_request, case.task))
        return {value: (request, task) for value, request, task in rows}


async def test_a_submission_is_six_statements_its_ubrn_and_case_written_together(
    referrals: Referrals,
) -> None:
    body = await _body(referrals)

    with counting(referrals.app.state.engine) as seen:
        made = await referrals.client.post(
            "/fhir/ServiceRequest", json=body, headers=referrer(referrals)
        )

    assert made.status_code == 201, made.text
    request = made.json()
    assert (seen.transactions, seen.count) == (1, 6), seen.statements
    assert [seen.of("INTO ubrn"), seen.of("UPDATE ubrn"), seen.of("INTO triage_case")] == [1, 0, 1]
    assert [seen.of("INTO audit_event"), seen.of("INTO outbox")] == [1, 1]
    reference = f"ServiceRequest/{request['id']}"
    assert (await _holders(referrals))[ubrn_of(request)] == reference
    (task,) = await tasks_for(referrals, request["id"])
    assert (await _cases(referrals))[ubrn_of(request)] == (reference, f"Task/{task['id']}")


async def test_a_conditional_create_that_finds_the_request_gives_its_new_ubrn_back(
    referrals: Referrals,
) -> None:
    body = await _body(referrals)
    body["identifier"] = [{"system": OWN_ID, "value": uuid.uuid4().hex}]
    headers = {
        **referrer(referrals),
        "If-None-Exist": f"identifier={OWN_ID}|{body['identifier'][0]['value']}",
    }
    first = await referrals.client.post("/fhir/ServiceRequest", json=body, headers=headers)
    assert first.status_code == 201, first.text
    before = await _holders(referrals), await _cases(referrals)

    again = await referrals.client.post("/fhir/ServiceRequest", json=body, headers=headers)

    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert (await _holders(referrals), await _cases(referrals)) == before
    assert before[0][ubrn_of(first.json())] == f"ServiceRequest/{first.json()['id']}"
    assert before[1][ubrn_of(first.json())][0] == f"ServiceRequest/{first.json()['id']}"
