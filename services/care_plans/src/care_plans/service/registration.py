"""The patient register's part in who may see whom, here and in other services.

A patient's registered practice (Patient.generalPractitioner, by ODS code) is the
first care relationship (DOMAIN.md: "the registered GP is the lead co-ordinator").
When a Patient is created, changes practice or is removed, the write moves the
practice's access grant in this service and announces the registration, so other
services keep the same relationship in their own projection.
"""

from __future__ import annotations

from care_plans.domain.event_types import PATIENT_REGISTERED
from care_plans.domain.relationships import REGISTERED_PRACTICE
from care_plans.service.announcements import announce_about_patient
from carecoord_shared.fhir.unit_of_work import FhirTransaction


async def record_registration(
    tx: FhirTransaction,
    patient_id: str,
    nhs_number: str,
    practice: str | None,
    previous: str | None,
    *,
    new_patient: bool,
) -> None:
    """Move the grant from `previous` to `practice` and announce it (a new patient's
    registration is always announced, even at no practice)."""
    if practice == previous and not new_patient:
        return
    if previous and previous != practice:
        await tx.grants.end(nhs_number, "organisation", previous, REGISTERED_PRACTICE)
    if practice:
        await tx.grants.grant(nhs_number, "organisation", practice, REGISTERED_PRACTICE)
    await announce_about_patient(
        tx, PATIENT_REGISTERED, patient_id, nhs_number, practice=practice, previousPractice=previous
    )
