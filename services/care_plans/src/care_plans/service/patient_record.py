"""A patient's whole record in this service, for `Patient/{id}/$everything`.

The Patient is read as any read is (404 for one the caller may not see, refusal
audited); then every resource tied to them, of the types the caller's scopes let them
read, in one query under their access rule. The access is audited once for the whole
record (beside the Patient's own read), with the break-glass purpose when there is one.
"""

from __future__ import annotations

from care_plans.store.patient_record import MAX_RESOURCES, PatientRecordRepository
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource


def _readable_types(tx: FhirTransaction) -> list[str]:
    """Types about a patient that the caller may read (scopes apply to every resource
    returned, as for `_include`)."""
    return sorted(
        d.type for d in tx.registry.all() if d.patient_required and tx.principal.allows(d.type, "r")
    )


async def everything(
    tx: FhirTransaction, patient_id: str
) -> tuple[StoredResource, list[StoredResource], bool]:
    """The Patient, what this service holds about them, and whether there was more than
    `MAX_RESOURCES` (the rest left out)."""
    patient = await tx.read("Patient", patient_id)
    found: list[StoredResource] = []
    if patient.patient_nhs is not None:
        records = tx.repository(PatientRecordRepository)
        found = await records.about(tx.principal, patient.patient_nhs, _readable_types(tx))
    await tx.audit("E", f"Patient/{patient_id}/$everything", [patient, *found])
    return patient, found[:MAX_RESOURCES], len(found) > MAX_RESOURCES
