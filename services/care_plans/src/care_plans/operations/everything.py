"""`GET|POST /fhir/Patient/{id}/$everything`: what this service holds about one patient
(the Patient, Conditions, care plans, goals, activities, co-ordination, Provenance), as
a searchset Bundle. Read-only; access-checked and audited like a read
(`service.patient_record`). The instance level only: a type-level export of every
patient is not offered. At most 1000 resources: beyond that the Bundle says so in an
OperationOutcome entry, and the rest is read type by type with ordinary searches.
"""

from __future__ import annotations

from care_plans.service.patient_record import everything
from care_plans.store.patient_record import MAX_RESOURCES
from carecoord_shared.fhir.http import searchset
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from carecoord_shared.fhir.outcome import Issue


async def patient_everything(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    async with call.fhir.reads(call.principal) as tx:
        patient, found, more = await everything(tx, call.resource_id)
    more_text = f"More than {MAX_RESOURCES} resources: search each type for the rest"
    warnings = [Issue("too-costly", more_text, (), "warning")] if more else []
    body = searchset(
        call.base_url,
        f"Patient/{call.resource_id}/$everything",
        [],
        [patient, *found],
        total=None if more else 1 + len(found),
        warnings=warnings,
    )
    return OperationResult(body, OPERATION.status)


OPERATION = Operation(
    "$everything",
    "Everything about the patient",
    "The Patient and every resource this service holds about them that the caller may "
    "read, as a searchset Bundle (at most 1000 resources).",
    patient_everything,
    resource="Patient",
    changes_state=False,
    outputs=(Param("return", "Bundle", 1, 1, "A searchset of the patient's resources."),),
)
