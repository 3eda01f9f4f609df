"""`$record-advice-call` on the in-memory world: the call, the access it opens, the event,
and what guards that access (issue 13 finding 4)."""

from __future__ import annotations

import pytest

from carecoord_devstack.testing import new_nhs_number
from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.store.repository import StoredResource
from referrals.operations.record_advice_call import OPERATION, handle
from referrals.store.advice_calls import AdviceCalls
from services.referrals.tests.bodies import (
    NHS_NUMBER_SYSTEM,
    invalid_nhs_number,
)
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import (
    GP,
    PARAMEDIC,
    a_service,
    an_advice_line,
    person,
    registered,
)


def _call(line: StoredResource, nhs_number: str, outcome: str = "not-conveyed") -> list[dict]:  # type: ignore[type-arg]
    return [
        {"name": "adviceLine", "valueReference": {"reference": line.reference}},
        {"name": "patient", "valueIdentifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}},
        {"name": "outcome", "valueCode": outcome},
        {"name": "locality", "valueCode": "locality-1"},
        {"name": "followUpNeeded", "valueBoolean": True},
    ]


async def test_a_call_is_recorded_counted_announced_and_opens_access() -> None:
    world = Memory()
    line, nhs_number = await an_advice_line(world), await registered(world)

    answer = await handle(world.call(OPERATION, PARAMEDIC, parameters=_call(line, nhs_number)))

    assert answer.status == 201
    assert answer.headers["Location"].startswith("http://referrals.test/fhir/Communication/")
    (grant,) = await world.tx.grants.running(nhs_number, reason="advice-call")
    assert (grant.party_kind, grant.party, grant.valid_to is not None) == (
        "user",
        "paramedic-1",
        True,
    )
    (counted,) = await world.repository(AdviceCalls).by_locality(line.reference)
    assert (counted.locality, counted.calls, counted.avoided) == ("locality-1", 1, 1)
    (event,) = world.tx.fake_outbox.events
    assert event.type == "carecoord.advice-call.recorded.v1"
    assert event.data["followUpNeeded"] is True
    (audited,) = world.tx.accesses
    assert (audited.subject, audited.patients, audited.purpose) == (
        "paramedic-1",
        (nhs_number,),
        "advice-call",
    )


async def test_finding_4_a_patient_on_no_register_needs_break_glass() -> None:
    world = Memory()
    line, registered_patient, stranger = (
        await an_advice_line(world),
        await registered(world),
        new_nhs_number(),
    )

    with pytest.raises(FhirError) as refused:
        await handle(world.call(OPERATION, PARAMEDIC, parameters=_call(line, stranger)))
    answer = await handle(
        world.call(OPERATION, PARAMEDIC, parameters=_call(line, registered_patient))
    )

    assert refused.value.status == 422
    assert "break-glass" in refused.value.issues[0].diagnostics
    assert refused.value.issues[0].expression == ("Parameters.parameter.where(name='patient')",)
    assert await world.tx.grants.running(stranger) == []
    assert [r.patient_nhs for r in world.tx.refusals] == [stranger]
    assert answer.status == 201


async def test_finding_4_a_paramedic_records_at_most_ten_calls_an_hour() -> None:
    world = Memory()
    line, other = await an_advice_line(world), person("paramedic", "Y0T004", "paramedic-2")
    patients = [await registered(world) for _ in range(12)]
    for nhs_number in patients[:10]:
        await handle(world.call(OPERATION, PARAMEDIC, parameters=_call(line, nhs_number)))

    with pytest.raises(FhirError) as limited:
        await handle(world.call(OPERATION, PARAMEDIC, parameters=_call(line, patients[10])))
    answer = await handle(world.call(OPERATION, other, parameters=_call(line, patients[11])))

    assert limited.value.status == 429
    assert 0 < int(limited.value.headers["Retry-After"]) <= 3600
    assert [g.reason for g in await world.tx.grants.running(patients[10])] == [
        "registered-practice"
    ]
    assert answer.status == 201


@pytest.mark.parametrize(
    ("who", "line_kind", "outcome", "bad_nhs", "status"),
    [
        ("gp", "line", "conveyed", False, 403),
        ("paramedic", "service", "conveyed", False, 422),
        ("paramedic", "line", "teleported", False, 400),
        ("paramedic", "line", "other", True, 400),
    ],
)
async def test_only_paramedics_record_calls_to_advice_lines_about_a_valid_patient(
    who: str, line_kind: str, outcome: str, bad_nhs: bool, status: int
) -> None:
    world = Memory()
    line = await (an_advice_line(world) if line_kind == "line" else a_service(world))
    nhs_number = new_nhs_number()
    sent = _call(line, invalid_nhs_number(nhs_number) if bad_nhs else nhs_number, outcome)

    with pytest.raises(FhirError) as refused:
        await handle(
            world.call(OPERATION, PARAMEDIC if who == "paramedic" else GP, parameters=sent)
        )

    assert refused.value.status == status
    assert world.tx.fake_outbox.events == []
