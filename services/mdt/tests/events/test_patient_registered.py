"""`patient.registered`: the registered practice's access moves, and is remembered."""

from __future__ import annotations

import pytest

from carecoord_devstack.testing import new_nhs_number
from carecoord_shared.events import RejectEvent
from mdt.events import patient_registered
from services.mdt.tests.builders import PRACTICE_A, PRACTICE_B, an_event
from services.mdt.tests.conftest import Mdt
from services.mdt.tests.units import fake_context, fake_unit_of_work


async def test_registration_grants_the_practice_and_a_move_ends_the_old_grant(mdt: Mdt) -> None:
    nhs = new_nhs_number()
    first = an_event("patient.registered", nhs, patient="Patient/1", practice=PRACTICE_A)
    await mdt.consume(patient_registered.CONSUMER, first)
    assert await mdt.grantees(nhs, "registered-practice") == [PRACTICE_A]
    moved = an_event(
        "patient.registered",
        nhs,
        patient="Patient/1",
        practice=PRACTICE_B,
        previousPractice=PRACTICE_A,
    )
    await mdt.consume(patient_registered.CONSUMER, moved)
    assert await mdt.grantees(nhs, "registered-practice") == [PRACTICE_B]
    practice = "select practice from mdt_patient where patient_nhs = :n"
    assert await mdt.scalar(practice, n=nhs) == PRACTICE_B


async def test_a_registration_of_no_valid_patient_is_rejected(mdt: Mdt) -> None:
    with pytest.raises(RejectEvent):
        await mdt.consume(
            patient_registered.CONSUMER, an_event("patient.registered", "123", practice="X")
        )


# Unit tests on the in-memory unit of work (tests/fakes.py).


async def test_unit_the_practice_is_granted_and_remembered() -> None:
    tx, store = fake_unit_of_work()
    nhs = "9990000018"
    await patient_registered.handle(
        tx, an_event("patient.registered", nhs, practice=PRACTICE_A), fake_context()
    )
    moved = an_event("patient.registered", nhs, practice=PRACTICE_B, previousPractice=PRACTICE_A)
    await patient_registered.handle(tx, moved, fake_context())
    running = await tx.grants.running(nhs, reason="registered-practice")
    assert [g.party for g in running] == [PRACTICE_B]
    assert store.patients.known[nhs].practice == PRACTICE_B
