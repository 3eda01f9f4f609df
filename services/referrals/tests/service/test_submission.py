"""The REST writes of ServiceRequest on the in-memory world: submission and its events."""

from __future__ import annotations

import pytest

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.registry import Write
from referrals.service import submission
from referrals.store.ubrns import Ubrns
from services.referrals.tests.bodies import (
    PRACTICE_B,
    service_request,
)
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import GP, a_service, person, registered, submitted, triage_case


async def test_a_submission_is_numbered_routed_given_a_task_and_announced() -> None:
    world = Memory()
    service = await a_service(world)

    request = await submitted(world, service)

    body = request.as_json()
    ubrn = next(i["value"] for i in body["identifier"] if i["system"].endswith("/ubrn"))
    assert ubrn.startswith("a.")
    assert body["performer"] == [{"reference": service.reference}]
    assert await world.repository(Ubrns).holder(ubrn) == request.reference
    case = await triage_case(world, request)
    assert case.requester_ods == "A81001"
    assert world.tx.fake_outbox.types() == [
        "carecoord.referral.submitted.v1",
        "carecoord.referral.routed.v1",
    ]
    provider = await world.tx.grants.running(case.nhs_number, reason="care-team")
    assert [g.party for g in provider] == ["Y0T001"]


async def test_a_request_about_someone_elses_patient_is_refused_before_anything_else() -> None:
    world = Memory()
    service = await a_service(world)
    body = service_request(await registered(world), performer=service.reference)
    other_gp = person("gp", PRACTICE_B)

    with pytest.raises(FhirError) as refused:
        async with world.transaction(other_gp) as tx:
            await submission.writes(world.context)(
                tx, Write("create", "ServiceRequest", None, body)
            )

    assert refused.value.status == 403
    assert world.repository(Ubrns).held == {}


async def test_a_put_may_not_create_a_request() -> None:
    world = Memory()
    body = service_request(await registered(world))

    with pytest.raises(FhirError) as refused:
        async with world.transaction(GP) as tx:
            await submission.writes(world.context)(
                tx, Write("update", "ServiceRequest", "made-up", body)
            )

    assert refused.value.status == 404  # no update-as-create: as for a hidden id


async def test_a_revision_and_a_withdrawal_are_announced() -> None:
    world = Memory()
    request = await submitted(world, await a_service(world))
    handler = submission.writes(world.context)
    revised = {**request.as_json(), "priority": "urgent"}
    revised.pop("meta")

    async with world.transaction(GP) as tx:
        await handler(tx, Write("update", "ServiceRequest", request.id, revised, if_match=1))
        await handler(tx, Write("delete", "ServiceRequest", request.id, None))

    revised_event, withdrawn = world.tx.fake_outbox.events[-2:]
    assert (revised_event.type, revised_event.data["priority"]) == (
        "carecoord.referral.revised.v1",
        "urgent",
    )
    assert (withdrawn.type, withdrawn.data["versionId"], withdrawn.data["priority"]) == (
        "carecoord.referral.withdrawn.v1",
        "3",
        "urgent",
    )
