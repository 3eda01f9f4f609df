"""What a write of a Patient or a Condition means to this service.

A Patient write moves the registered practice's access grant and announces the
registration (`service.registration`), then keeps the patient's register entry; a
Condition write recomputes the patient's cohorts and risk score (both patients', when
it moves from one to another). All of it commits
with the write, in its unit of work (`service.changes`).
"""

from __future__ import annotations

from care_plans.fhir.register import register_entry, registered_practice
from care_plans.service import register
from care_plans.service.changes import Change
from care_plans.service.context import CarePlansContext
from care_plans.service.registration import record_registration
from carecoord_shared.fhir.unit_of_work import FhirTransaction


async def patient_written(tx: FhirTransaction, change: Change, context: CarePlansContext) -> None:
    nhs_number, patient = change.stored.patient_nhs, change.current
    if nhs_number is None:
        return
    practices = registered_practice(patient), registered_practice(change.previous)
    await record_registration(
        tx, change.stored.id, nhs_number, *practices, new_patient=change.created
    )
    if patient is None:
        await register.remove(tx, nhs_number)
    else:
        entry = register_entry(nhs_number, change.stored.id, patient)
        await register.enrol(tx, entry, context.today())


async def condition_written(tx: FhirTransaction, change: Change, context: CarePlansContext) -> None:
    """Restratify the patient, and the one it was about before when it moved."""
    for nhs_number in change.patients:
        await register.restratify(tx, nhs_number, context.today())
