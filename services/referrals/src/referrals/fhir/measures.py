"""The service's measures as FHIR MeasureReports (summary): response times, conveyance.

The service layer counts; this says it in FHIR: each group a code, its populations
and its score, for one HealthcareService over a period ending now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from carecoord_shared.fhir.outcome import JsonObject
from referrals.domain import vocabulary as v
from referrals.fhir.shapes import concept, instant

RESPONSE_TIME = f"{v.LOCAL}/Measure/response-time"
AVOIDED_CONVEYANCE = f"{v.LOCAL}/Measure/avoided-conveyance"
RESPONSE_GROUP = f"{v.LOCAL}/CodeSystem/response-report"
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
    return {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": measure,
        "subject": {"reference": subject},
        "date": instant(now),
        "period": period,
        "group": [_group(g) for g in groups],
    }
