"""`$triage` on the in-memory world: the declared input, the state machine, the outbox."""

from __future__ import annotations

import pytest

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.store.repository import StoredResource
from referrals.operations.triage import OPERATION, handle
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import CLINICIAN, GP, a_service, submitted, triage_case


@pytest.fixture
async def world() -> Memory:
    return Memory()


async def _request(world: Memory) -> StoredResource:
    return await submitted(world, await a_service(world))


def _outcome(code: str) -> dict[str, str]:
    return {"name": "outcome", "valueCode": code}


async def test_an_accepted_request_moves_its_task_case_and_request_and_is_announced(
    world: Memory,
) -> None:
    request = await _request(world)

    answer = await handle(
        world.call(OPERATION, CLINICIAN, request.id, parameters=[_outcome("accepted")])
    )

    assert answer.status == 200
    assert isinstance(answer.body, dict)
    values = {p["name"]: p for p in answer.body["parameter"]}
    assert values["state"]["valueCode"] == "accepted"
    assert values["serviceRequest"]["valueReference"]["reference"] == request.reference
    assert answer.headers["ETag"] == 'W/"2"'
    assert (await triage_case(world, request)).state.value == "accepted"
    assert world.tx.fake_outbox.types()[-2:] == [
        "carecoord.referral.revised.v1",
        "carecoord.referral.triaged.v1",
    ]


async def test_a_rejection_without_a_reason_names_the_parameter(world: Memory) -> None:
    request = await _request(world)

    with pytest.raises(FhirError) as refused:
        await handle(
            world.call(OPERATION, CLINICIAN, request.id, parameters=[_outcome("rejected")])
        )

    assert refused.value.status == 400
    assert refused.value.issues[0].expression == ("Parameters.parameter.where(name='reason')",)


async def test_a_stale_if_match_changes_nothing(world: Memory) -> None:
    request = await _request(world)
    before = list(world.tx.fake_outbox.events)

    with pytest.raises(FhirError) as refused:
        await handle(
            world.call(
                OPERATION, CLINICIAN, request.id, if_match=7, parameters=[_outcome("accepted")]
            )
        )

    assert refused.value.status == 412
    assert world.tx.fake_outbox.events == before


async def test_only_the_provider_accepts(world: Memory) -> None:
    request = await _request(world)

    with pytest.raises(FhirError) as refused:
        await handle(world.call(OPERATION, GP, request.id, parameters=[_outcome("accepted")]))

    assert refused.value.status == 403


async def test_an_unauthorised_conversion_asks_the_referrer(world: Memory) -> None:
    request = await _request(world)

    answer = await handle(
        world.call(OPERATION, CLINICIAN, request.id, parameters=[_outcome("converted")])
    )

    assert isinstance(answer.body, dict)
    values = {p["name"]: p for p in answer.body["parameter"]}
    assert values["state"]["valueCode"] == "awaiting-conversion-authorisation"
    assert "referral" not in values
    asks = await world.tx.search("Task", [("code", "conversion-request")])
    assert len(asks.matches) == 1
