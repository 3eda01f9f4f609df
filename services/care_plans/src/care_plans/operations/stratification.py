"""`GET|POST /fhir/Patient/{id}/$stratification`: a patient's cohorts and risk score
with the inputs that produced them (the rule is documented in `domain.register`), so a
clinician can see why, and challenge it. Read-only: GET and POST answer alike."""

from __future__ import annotations

from care_plans.fhir.register import birth_date_of, risk_inputs
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
    return OPERATION.result(
        cohort=list(result.cohorts),
        riskScore=result.risk_score,
        sixMonthlyReview=result.six_monthly_review,
        input=risk_inputs(result.inputs),
    )


OPERATION = Operation(
    "$stratification",
    "Cohorts and risk score, with their inputs",
    "Cohorts (long-term condition, frailty, end of life) and the risk score with the inputs "
    "it was made of.",
    stratify,
    resource="Patient",
    changes_state=False,
    outputs=(
        Param("cohort", "code", 0, None, "long-term-condition, frailty or end-of-life."),
        Param("riskScore", "integer", 1, 1, "The additive score (domain.register)."),
        Param("sixMonthlyReview", "boolean", 1, 1, "Diabetes or COPD: reviewed 6-monthly."),
        Param.made_of(
            "input",
            "What the score was made of, so it can be checked by hand.",
            Param("condition", "Coding", 0, None, "An active Condition (SNOMED CT)."),
            Param("age", "integer", 0, 1, "Age in years today, when the birth date is known."),
            Param("recentRequests", "integer", 1, 1, "A&G/referral requests in 12 months."),
            min=1,
            max=1,
        ),
    ),
)
