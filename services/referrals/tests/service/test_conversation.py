"""The REST writes of Communication on the in-memory world: a turn, and the clock resuming."""

from __future__ import annotations

from typing import Any

import pytest

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.registry import Write
from carecoord_shared.store.repository import StoredResource
from referrals.operations import triage
from referrals.service import conversation
from referrals.store.cases import TriageCases
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import CLINICIAN, GP, a_service, submitted, triage_case


def _turn(request: StoredResource, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Communication",
        "status": "completed",
        "basedOn": [{"reference": request.reference}],
        "subject": request.as_json()["subject"],
        "payload": [{"contentString": "Bloods attached"}],
        **extra,
    }


async def _post(world: Memory, turn: dict[str, Any]) -> None:
    """The GP posts `turn` (POST /fhir/Communication)."""
    async with world.transaction(GP) as tx:
        await conversation.writes(world.context)(tx, Write("create", "Communication", None, turn))


async def test_the_referrers_answer_resumes_the_clock() -> None:
    world = Memory()
    request = await submitted(world, await a_service(world))
    asked = {"name": "outcome", "valueCode": "information-requested"}
    await triage.handle(world.call(triage.OPERATION, CLINICIAN, request.id, parameters=[asked]))

    await _post(world, _turn(request))

    assert (await triage_case(world, request)).state.value == "awaiting-triage"
    assert world.tx.fake_outbox.types()[-2:] == [
        "carecoord.referral.message-added.v1",
        "carecoord.referral.revised.v1",
    ]
    steps = await world.repository(TriageCases).transitions(request.reference)
    assert [s.outcome for s in steps] == ["information-requested", "information-provided"]


async def test_a_turn_about_another_patient_is_refused() -> None:
    world = Memory()
    request = await submitted(world, await a_service(world))
    other = await submitted(world, await a_service(world))
    astray = _turn(request, subject=other.as_json()["subject"])

    with pytest.raises(FhirError) as refused:
        await _post(world, astray)

    assert refused.value.status == 422
    assert refused.value.issues[0].expression == ("Communication.subject",)


async def test_a_reply_to_an_unknown_turn_is_refused() -> None:
    world = Memory()
    request = await submitted(world, await a_service(world))
    dangling = _turn(request, inResponseTo=[{"reference": "Communication/nope"}])

    with pytest.raises(FhirError) as refused:
        await _post(world, dangling)

    assert refused.value.status == 422
    assert refused.value.issues[0].expression == ("Communication.inResponseTo",)
