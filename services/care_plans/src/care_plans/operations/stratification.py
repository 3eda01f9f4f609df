"""`GET|POST /fhir/Patient/{id}/$stratification`: a patient's cohorts and risk score
with the inputs that produced them (the rule is documented in `domain.register`), so a
clinician can see why, and challenge it. Read-only: GET and POST answer alike."""

from __future__ import annotations

from care_plans.fhir.register import birth_date_of, risk_inputs_part
from care_plans.service.context import CarePlansContext
from care_plans.service.register import stratification_of
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param


async def stratify(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    context: CarePlansContext = call.context
    async with call.fhir.reads(call.principal) as tx:
        patient = await tx.read("Patient", call.resource_id)
        birth_date = birth_date_of(patient.as_json())
        result = await stratification_of(tx, patient.patient_nhs or "", birth_date, context.today())
    answer = OPERATION.result(
        cohort=list(result.cohorts),
        riskScore=result.risk_score,
        sixMonthlyReview=result.six_monthly_review,
    )
    # `input` has parts, which a declared parameter cannot say yet (see the README).
    assert isinstance(answer.body, dict)
    answer.body["parameter"].append(risk_inputs_part(result.inputs))
    return answer


OPERATION = Operation(
    "$stratification",
    "Cohorts and risk score, with their inputs",
    "Cohorts (long-term condition, frailty, end of life) and the risk score with its inputs "
    "(parameter `input`, parts `condition` (Coding, SNOMED CT, 0..*), `age` (integer) and "
    "`recentRequests` (integer: A&G/referral requests in 12 months)).",
    stratify,
    resource="Patient",
    level="instance",
    changes_state=False,
    outputs=(
        Param("cohort", "code", 0, None, "long-term-condition, frailty or end-of-life."),
        Param("riskScore", "integer", 1, 1, "The additive score (domain.register)."),
        Param("sixMonthlyReview", "boolean", 1, 1, "Diabetes or COPD: reviewed 6-monthly."),
    ),
)
