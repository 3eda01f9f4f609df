"""`$paramedic-summary` on the in-memory world: only during an advice call, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from carecoord_shared.fhir.outcome import FhirError
from referrals.domain.records import CarePlanSummary, Coordinator
from referrals.operations.paramedic_summary import OPERATION, handle
from referrals.store.projections import CarePlanProjections
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import PARAMEDIC, a_service, person, submitted

NOW = datetime(2026, 6, 10, 9, tzinfo=UTC)


async def _world() -> tuple[Memory, str]:
    world = Memory()
    request = await submitted(world, await a_service(world))
    nhs_number = str(request.as_json()["subject"]["identifier"]["value"])
    projections = world.repository(CarePlanProjections)
    who = {"display": "Sam Carter", "phone": "01632 960500"}
    await projections.assign_coordinator(
        Coordinator(nhs_number, "CareTeam/1", "named-care-coordinator", who, False, None, None, NOW)
    )
    eol = {"preferredPlaceOfDeath": "Home", "resuscitation": {"decision": "DNACPR"}}
    await projections.revise_care_plan(
        CarePlanSummary("CarePlan/1", nhs_number, 2, "active", "Plan", None, None, eol, NOW)
    )
    return world, nhs_number


async def _on_a_call(world: Memory, nhs_number: str, paramedic: str = "paramedic-1") -> None:
    until = datetime.now(UTC) + timedelta(minutes=30)
    await world.tx.grants.grant(nhs_number, "user", paramedic, "advice-call", valid_to=until)


async def test_a_paramedic_on_a_call_sees_coordinator_plan_and_open_requests() -> None:
    world, nhs_number = await _world()
    await _on_a_call(world, nhs_number)

    answer = await handle(world.call(OPERATION, PARAMEDIC, nhs_number))

    assert isinstance(answer.body, dict)
    found = {p["name"]: p for p in answer.body["parameter"]}
    assert found["patient"]["valueIdentifier"]["value"] == nhs_number
    coordinator = {p["name"]: p for p in found["coordinator"]["part"]}
    plan = {p["name"]: p for p in found["carePlan"]["part"]}
    assert coordinator["name"]["valueString"] == "Sam Carter"
    assert plan["resuscitation"]["valueString"] == "DNACPR"
    assert "preferredPlaceOfCare" not in plan
    assert found["openRequest"]["part"][0]["name"] == "reference"
    (audited,) = world.tx.accesses
    assert (audited.patients, audited.purpose) == ((nhs_number,), "advice-call")


@pytest.mark.parametrize("caller", ["another-paramedic", "gp-on-a-call"])
async def test_no_one_else_sees_it(caller: str) -> None:
    world, nhs_number = await _world()
    await _on_a_call(world, nhs_number, "gp-1")
    principal = (
        person("paramedic", "Y0T004", "paramedic-2")
        if caller == "another-paramedic"
        else person("gp", "A81001", "gp-1")
    )

    with pytest.raises(FhirError) as refused:
        await handle(world.call(OPERATION, principal, nhs_number))

    assert refused.value.status == 403
    assert world.tx.accesses == []
    (refusal,) = world.tx.refusals
    assert refusal.patient_nhs == nhs_number


async def test_the_patient_id_must_be_an_nhs_number() -> None:
    world = Memory()

    with pytest.raises(FhirError) as refused:
        await handle(world.call(OPERATION, PARAMEDIC, "9990000019"))

    assert refused.value.status == 400
