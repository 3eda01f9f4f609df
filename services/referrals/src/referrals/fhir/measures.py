"""The service's measures as FHIR MeasureReports (summary): response times, conveyance.

The service layer counts; this says it in FHIR: each group a code, its populations
and its score, for one HealthcareService over a period ending now.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from carecoord_shared.fhir.narrative import with_narrative
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.unit_of_work import FhirReads
from referrals.domain import vocabulary as v
from referrals.fhir.shapes import concept, instant

RESPONSE_TIME = v.RESPONSE_TIME_MEASURE
AVOIDED_CONVEYANCE = v.AVOIDED_CONVEYANCE_MEASURE
RESPONSE_GROUP = v.RESPONSE_REPORT
_POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"


@dataclass(frozen=True, slots=True)
class Group:
    """One group of a report: what it measures, its populations and its score."""

    system: str
    code: str
    populations: tuple[tuple[str, int], ...]
    score: float
    unit: str


def share(part: int, whole: int) -> float:
    """`part` of `whole` in per cent, to one decimal (0 of nothing is 0)."""
    return round(100.0 * part / whole, 1) if whole else 0.0


def _group(group: Group) -> JsonObject:
    return {
        "code": concept(group.system, group.code),
        "population": [
            {"code": concept(_POPULATION, code), "count": count}
            for code, count in group.populations
        ],
        "measureScore": {"value": group.score, "unit": group.unit},
    }


def measure_report(
    measure: str,
    subject: str,
    now: datetime,
    groups: Sequence[Group],
    start: datetime | None = None,
) -> JsonObject:
    period = {"start": instant(start), "end": instant(now)} if start else {"end": instant(now)}
    report: JsonObject = {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": measure,
        "subject": {"reference": subject},
        "date": instant(now),
        "period": period,
    }
    if groups:  # FHIR has no empty arrays: no calls yet, no groups
        report["group"] = [_group(g) for g in groups]
    return with_narrative(report)


Report = Callable[[FhirReads, Any, str], Awaitable[JsonObject]]
"""A report of one HealthcareService: `(tx, context, service_id)` to its MeasureReport."""


def report_operation(code: str, title: str, documentation: str, report: Report) -> Operation:
    """A read-only operation on a HealthcareService answering its MeasureReport."""

    async def handle(call: OperationCall) -> OperationResult:
        assert call.resource_id is not None
        async with call.fhir.reads(call.principal) as tx:
            measure = await report(tx, call.context, call.resource_id)
        return OperationResult(measure)

    return Operation(
        code,
        title,
        documentation,
        handle,
        resource="HealthcareService",
        changes_state=False,
        outputs=(Param("return", "MeasureReport", min=1, documentation="The report (summary)."),),
    )
