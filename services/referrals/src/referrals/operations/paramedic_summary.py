"""`$paramedic-summary`: what a paramedic needs about a patient during an advice call.

Read-only (GET or POST) on `Patient/{NHS number}`: the named co-ordinator, care plan
and end-of-life preferences (from the projections of care_plans' events, so it
answers while care_plans is down) and the patient's open requests. Only for a
paramedic with an open advice call about the patient; audited with that purpose.
"""

from __future__ import annotations

from carecoord_shared.fhir.identifiers import is_valid_nhs_number
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from carecoord_shared.fhir.outcome import bad_request
from referrals.fhir.parameters import care_plan, coordinator, open_request, patient
from referrals.service.paramedic import paramedic_summary


async def handle(call: OperationCall) -> OperationResult:
    nhs_number = call.resource_id or ""
    if not is_valid_nhs_number(nhs_number):
        raise bad_request("The patient id must be a valid NHS number", ("Patient.id",), "value")
    async with call.fhir.transaction(call.principal) as tx:
        summary = await paramedic_summary(tx, nhs_number)
    return OPERATION.result(
        patient=patient(nhs_number),
        coordinator=[coordinator(found) for found in summary.coordinators],
        carePlan=[care_plan(plan) for plan in summary.care_plans],
        openRequest=[open_request(request) for request in summary.open_requests],
    )


OPERATION = Operation(
    "paramedic-summary",
    "The paramedic summary of a patient",
    "Named co-ordinator, care plan and end-of-life preferences, open requests; for a "
    "paramedic during an advice call about the patient (id = NHS number).",
    handle,
    resource="Patient",
    changes_state=False,
    outputs=(
        Param("patient", "Identifier", min=1, documentation="The patient, by NHS number."),
        Param.made_of(
            "coordinator",
            "A named co-ordinator (or cover) of the patient.",
            Param(
                "kind",
                "code",
                min=1,
                documentation="lead-gp, named-care-coordinator, key-worker.",
            ),
            Param("name", "string", documentation="Who."),
            Param("phone", "string", documentation="How to reach them."),
            Param("cover", "boolean", min=1, documentation="Covering for someone."),
        ),
        Param.made_of(
            "carePlan",
            "A care plan, with its end-of-life preferences.",
            Param("reference", "Reference", min=1, documentation="The CarePlan."),
            Param("title", "string"),
            Param("status", "code"),
            Param("nextReviewDue", "string"),
            Param("preferredPlaceOfCare", "string"),
            Param("preferredPlaceOfDeath", "string"),
            Param("resuscitation", "string", documentation="The resuscitation decision."),
        ),
        Param.made_of(
            "openRequest",
            "An open A&G request or referral about the patient.",
            Param("reference", "Reference", min=1, documentation="The ServiceRequest."),
            Param("ubrn", "string"),
            Param("triageState", "code"),
            Param("priority", "code"),
        ),
    ),
)
