"""`GET /fhir/Patient/{id}/$stratification`: a patient's cohorts and risk score with the
inputs that produced them (the rule is documented in `domain.register`), so a
clinician can see why, and challenge it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from care_plans.domain.codes import SNOMED
from care_plans.service.register import birth_date_of, stratification_of
from carecoord_shared.fhir.http import json_response
from carecoord_shared.fhir.parsing import check_id
from carecoord_shared.fhir.registry import OperationDeclaration
from carecoord_shared.security.fastapi import CurrentPrincipal, require_operation

STRATIFY = OperationDeclaration(
    "stratification",
    "Patient",
    instance=True,
    documentation="Cohorts (long-term condition, frailty, end of life) and the risk score "
    "with its inputs: active SNOMED CT conditions, age, A&G/referral requests in 12 months.",
)
router = APIRouter(prefix="/fhir", tags=["Register"])


@router.get("/Patient/{patient_id}/$stratification", summary=STRATIFY.documentation)
async def stratification(
    request: Request, patient_id: str, principal: CurrentPrincipal
) -> Response:
    require_operation(principal, "Patient", STRATIFY.name, changes_state=False)
    async with request.app.state.fhir.transaction(principal) as tx:
        patient = await tx.read("Patient", check_id("Patient", patient_id))
        nhs, today = patient.patient_nhs or "", datetime.now(UTC).date()
        result = await stratification_of(tx.conn, nhs, birth_date_of(patient.as_json()), today)
    inputs = result.inputs
    parts: list[dict[str, Any]] = [{"name": "cohort", "valueCode": c} for c in result.cohorts]
    parts += [
        {"name": "riskScore", "valueInteger": result.risk_score},
        {"name": "sixMonthlyReview", "valueBoolean": result.six_monthly_review},
        {
            "name": "input",
            "part": [
                *(
                    {"name": "condition", "valueCoding": {"system": SNOMED, "code": c}}
                    for c in sorted(inputs.condition_codes)
                ),
                *([{"name": "age", "valueInteger": inputs.age}] if inputs.age is not None else []),
                {"name": "recentRequests", "valueInteger": inputs.recent_requests},
            ],
        },
    ]
    return json_response({"resourceType": "Parameters", "parameter": parts})
