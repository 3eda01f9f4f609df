"""Patient and Condition writes: the registered practice's grant moves with the patient
and the registration is announced; the register and cohorts follow the Conditions."""

from __future__ import annotations

from care_plans.domain.event_types import COHORT_CHANGED, PATIENT_REGISTERED
from care_plans.domain.relationships import REGISTERED_PRACTICE
from carecoord_shared.fhir.registry import Write
from services.care_plans.tests.builders import DIABETES, PRACTICE_A, PRACTICE_B, patient
from services.care_plans.tests.units import fake_care_plans, staff

NHS = "9990000018"


async def _practices(fake) -> set[str]:
    return {g.party for g in await fake.tx.grants.running(NHS, reason=REGISTERED_PRACTICE)}


async def test_moving_practice_moves_the_grant_and_is_announced() -> None:
    fake = fake_care_plans()
    patient_id = await fake.registered(NHS, locality="north")
    assert await _practices(fake) == {PRACTICE_A}
    moved = patient(NHS, PRACTICE_B, locality="north") | {"id": patient_id}
    await fake.write(moved, resource_id=patient_id)
    assert await _practices(fake) == {PRACTICE_B}
    registered = fake.events(PATIENT_REGISTERED)
    assert [(e["practice"], e["previousPractice"]) for e in registered] == [
        (PRACTICE_A, None),
        (PRACTICE_B, PRACTICE_A),
    ]
    entry = fake.register.entries[NHS]
    assert (entry.practice, entry.locality, entry.patient_id) == (PRACTICE_B, "north", patient_id)


async def test_an_update_that_keeps_the_practice_announces_nothing() -> None:
    fake = fake_care_plans()
    patient_id = await fake.registered(NHS)
    renamed = patient(NHS, name=[{"family": "Other"}]) | {"id": patient_id}
    await fake.write(renamed, resource_id=patient_id)
    assert len(fake.events(PATIENT_REGISTERED)) == 1


async def test_a_conditional_create_that_finds_the_patient_changes_nothing() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS)
    query = f"identifier=https://fhir.nhs.uk/Id/nhs-number|{NHS}"
    await fake.write(patient(NHS, PRACTICE_B), if_none_exist=query)
    assert await _practices(fake) == {PRACTICE_A}
    assert len(fake.events(PATIENT_REGISTERED)) == 1


async def test_removing_a_patient_ends_the_grant_and_the_register_entry() -> None:
    fake = fake_care_plans()
    patient_id = await fake.registered(NHS, DIABETES)
    await fake.acting_as(staff()).write(Write("delete", "Patient", patient_id, None))
    assert await _practices(fake) == set()
    assert fake.events(PATIENT_REGISTERED)[-1]["previousPractice"] == PRACTICE_A
    assert NHS not in fake.register.entries


async def test_conditions_move_the_patient_between_cohorts() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS, DIABETES, birthDate="1950-01-01")
    [change] = fake.events(COHORT_CHANGED)
    assert (change["entered"], change["left"]) == (["long-term-condition"], [])
    entry = fake.register.entries[NHS]
    assert (entry.cohorts, entry.risk_score, entry.six_monthly_review) == (
        ("long-term-condition",),
        1 + 2,  # diabetes, age 76
        True,
    )
