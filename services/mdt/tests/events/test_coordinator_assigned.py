"""`coordinator.assigned` / `.ended`: the named co-ordinator's `care-team` access."""

from __future__ import annotations

from mdt.events import coordinator_assigned, coordinator_ended
from services.mdt.tests.builders import an_event
from services.mdt.tests.conftest import Mdt, entries
from services.mdt.tests.units import fake_context, fake_unit_of_work


async def test_named_coordinator_sees_the_patients_mdt_case_while_assigned(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    nhs = await mdt.patient()
    assert (await mdt.nominate(mdt_id, nhs)).status_code == 201
    who = {"role": "care-coordinator", "organisation": "RYY01", "user": "sds-coordinator-9"}
    search = f"Task?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}"
    assert entries(await mdt.get(search, **who)) == []
    coordinator = {"sdsUserId": "sds-coordinator-9", "reference": "Practitioner/9"}
    assigned = an_event("coordinator.assigned", nhs, coordinator=coordinator, kind="key-worker")
    await mdt.consume(coordinator_assigned.CONSUMER, assigned)
    assert len(entries(await mdt.get(search, **who))) == 1
    ended = an_event("coordinator.ended", nhs, coordinator=coordinator, reason="moved")
    await mdt.consume(coordinator_ended.CONSUMER, ended)
    assert entries(await mdt.get(search, **who)) == []


# Unit tests on the in-memory unit of work (tests/fakes.py).


async def test_unit_the_grant_runs_to_the_end_of_the_assignment() -> None:
    tx, _ = fake_unit_of_work()
    nhs = "9990000018"
    coordinator = {"sdsUserId": "sds-coordinator-9"}
    assigned = an_event(
        "coordinator.assigned", nhs, coordinator=coordinator, period={"end": "2031-01-01"}
    )
    await coordinator_assigned.handle(tx, assigned, fake_context())
    [grant] = await tx.grants.running(nhs, reason="care-team")
    assert (grant.party_kind, grant.party, str(grant.valid_to)) == (
        "user",
        "sds-coordinator-9",
        "2031-01-01 00:00:00+00:00",
    )
