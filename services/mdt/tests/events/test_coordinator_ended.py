"""`coordinator.ended`: the co-ordinator's `care-team` grant ends with the assignment."""

from __future__ import annotations

from carecoord_devstack.testing import new_nhs_number
from mdt.events import coordinator_assigned, coordinator_ended
from services.mdt.tests.builders import an_event
from services.mdt.tests.conftest import Mdt
from services.mdt.tests.units import fake_context, fake_unit_of_work

COORDINATOR = {"sdsUserId": "sds-coordinator-7", "reference": "Practitioner/7"}


async def test_the_end_of_an_assignment_ends_the_grant(mdt: Mdt) -> None:
    nhs = new_nhs_number()
    assigned = an_event("coordinator.assigned", nhs, coordinator=COORDINATOR)
    await mdt.consume(coordinator_assigned.CONSUMER, assigned)
    assert await mdt.grantees(nhs, "care-team") == ["sds-coordinator-7"]
    ended = an_event("coordinator.ended", nhs, coordinator=COORDINATOR, reason="moved")
    await mdt.consume(coordinator_ended.CONSUMER, ended)
    assert await mdt.grantees(nhs, "care-team") == []


async def test_an_end_naming_no_coordinator_changes_nothing(mdt: Mdt) -> None:
    nhs = new_nhs_number()
    await mdt.consume(
        coordinator_assigned.CONSUMER,
        an_event("coordinator.assigned", nhs, coordinator=COORDINATOR),
    )
    await mdt.consume(coordinator_ended.CONSUMER, an_event("coordinator.ended", nhs))
    assert await mdt.grantees(nhs, "care-team") == ["sds-coordinator-7"]


# Unit tests on the in-memory unit of work (tests/fakes.py).


async def test_unit_the_end_ends_only_that_coordinators_grant() -> None:
    tx, _ = fake_unit_of_work()
    nhs = "9990000018"
    for user in ("sds-coordinator-7", "sds-coordinator-8"):
        await tx.grants.grant(nhs, "user", user, "care-team")
    ended = an_event("coordinator.ended", nhs, coordinator=COORDINATOR)
    await coordinator_ended.handle(tx, ended, fake_context())
    running = await tx.grants.running(nhs, reason="care-team")
    assert [g.party for g in running] == ["sds-coordinator-8"]
