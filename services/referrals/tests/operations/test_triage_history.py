"""`$triage-history` on the in-memory world: each transition with its parts, oldest first."""

from __future__ import annotations

import pytest

from carecoord_shared.fhir.outcome import FhirError
from referrals.operations import triage
from referrals.operations.triage_history import OPERATION, handle
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import CLINICIAN, GP, a_service, submitted


async def test_the_history_lists_each_transition_with_who_and_what() -> None:
    world = Memory()
    request = await submitted(world, await a_service(world))
    outcome = {"name": "outcome", "valueCode": "information-requested"}
    await triage.handle(world.call(triage.OPERATION, CLINICIAN, request.id, parameters=[outcome]))

    answer = await handle(world.call(OPERATION, GP, request.id))

    assert isinstance(answer.body, dict)
    (step,) = answer.body["parameter"]
    parts = {p["name"]: next(v for k, v in p.items() if k != "name") for p in step["part"]}
    assert parts["outcome"] == "information-requested"
    assert (parts["from"], parts["to"]) == ("awaiting-triage", "awaiting-information")
    assert (parts["who"], parts["role"], parts["organisation"]) == (
        "triage-clinician-1",
        "triage-clinician",
        "Y0T001",
    )
    assert "reason" not in parts


async def test_the_history_of_an_unknown_request_is_not_found() -> None:
    world = Memory()

    with pytest.raises(FhirError) as refused:
        await handle(world.call(OPERATION, GP, "nope"))

    assert refused.value.status == 404
