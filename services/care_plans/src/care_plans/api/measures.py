"""`GET /fhir/Measure/{id}/$evaluate-measure`: an indicator for a practice, a locality or
the whole system over a period, as a MeasureReport.

`subject` is `Organization/{ODS code}` (a practice), `Location/{locality}` (a
locality, as given on the Patient's locality extension) or absent (the whole
system). `periodStart` and `periodEnd` are dates; populations are counted at the
end of `periodEnd`. Aggregates only: patients may not call it; staff and systems
need read access to MeasureReport.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from care_plans.api.params import day, one_query_value, only_known
from care_plans.domain.areas import Area
from care_plans.domain.measures import INDICATORS
from care_plans.service.indicators import evaluate
from carecoord_shared.fhir.http import json_response
from carecoord_shared.fhir.outcome import bad_request, forbidden, not_found
from carecoord_shared.fhir.registry import OperationDeclaration
from carecoord_shared.security.fastapi import CurrentPrincipal, require

EVALUATE = OperationDeclaration(
    "evaluate-measure",
    "Measure",
    instance=True,
    documentation="Evaluate indicator G1, G2 or G3 for a practice (subject=Organization/ODS), "
    "a locality (subject=Location/code) or the system, over periodStart..periodEnd.",
)
_SUBJECT = re.compile(r"(Organization|Location)/([A-Za-z0-9\-.]{1,64})")
router = APIRouter(prefix="/fhir", tags=["Indicators"])


def scope_of(subject: str | None) -> Area:
    if subject is None:
        return Area()
    match = _SUBJECT.fullmatch(subject)
    if match is None:
        raise bad_request("subject must be Organization/{ODS} or Location/{locality}", ("subject",))
    kind, value = match.groups()
    return Area(practice=value) if kind == "Organization" else Area(locality=value)


@router.get("/Measure/{measure_id}/$evaluate-measure", summary=EVALUATE.documentation)
async def evaluate_measure(
    request: Request, measure_id: str, principal: CurrentPrincipal
) -> Response:
    if principal.kind == "patient":
        raise forbidden("Indicators are for staff and reporting systems")
    require(principal, "MeasureReport", "r")
    if measure_id not in INDICATORS:
        raise not_found("Measure", measure_id[:64])
    only_known(request, {"periodStart", "periodEnd", "subject"})
    start = day(one_query_value(request, "periodStart"), "periodStart")
    end = day(one_query_value(request, "periodEnd"), "periodEnd")
    if start is None or end is None or end < start:
        raise bad_request("Give periodStart and periodEnd, with the start first", ("periodEnd",))
    subject = one_query_value(request, "subject", 80)
    async with request.app.state.engine.connect() as conn:
        report = await evaluate(conn, measure_id, scope_of(subject), start, end, subject)
    return json_response(report)
