"""`GET|POST /fhir/Measure/{id}/$evaluate-measure`: an indicator (G1, G2, G3) for a
practice, a locality or the whole system over a period, as a summary MeasureReport.

`subject` is `Organization/{ODS code}` (a practice), `Location/{locality}` (a
locality, as given on the Patient's locality extension) or absent (the whole
system). Populations are counted at the end of `periodEnd`. Aggregates only, and a
practice's figures only for those who may see them (`service.indicators.may_evaluate`);
callers need read access to MeasureReport; every evaluation and refusal is audited.
"""

from __future__ import annotations

from care_plans.fhir.arguments import period, subject_area
from care_plans.service.context import CarePlansContext
from care_plans.service.indicators import evaluate
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param


async def evaluate_measure(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    context: CarePlansContext = call.context
    over, area = period(call.arguments), subject_area(call.arguments)
    subject = call.arguments.text("subject")
    async with call.fhir.reads(call.principal) as tx:
        report = await evaluate(tx, call.resource_id, area, over, subject, context.now())
    return OPERATION.result(**{"return": report})


OPERATION = Operation(
    "$evaluate-measure",
    "Evaluate an indicator",
    "Evaluate indicator G1, G2 or G3 for a practice (subject=Organization/ODS), a locality "
    "(subject=Location/code) or the system, over periodStart..periodEnd.",
    evaluate_measure,
    resource="Measure",
    changes_state=False,
    scope_type="MeasureReport",
    inputs=(
        Param("periodStart", "date", 1, 1, "The first day of the period (YYYY-MM-DD)."),
        Param("periodEnd", "date", 1, 1, "The last day; populations are counted at its end."),
        Param(
            "subject",
            "string",
            0,
            1,
            "Organization/{ODS code}, Location/{locality}, or absent for the whole system.",
        ),
    ),
    outputs=(Param("return", "MeasureReport", 1, 1, "A summary report with the target band."),),
)
