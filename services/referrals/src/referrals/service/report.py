"""The per-service response report: how fast a service answers, against its targets.

A MeasureReport (summary) per HealthcareService: the number of requests it has
responded to, the median response time in working days (weekends and bank holidays
do not count, as for the targets), and the percentage answered by the due date
(the due date already moved on for any pause while the referrer had the turn).
"""

from __future__ import annotations

from statistics import median

from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from referrals.domain import vocabulary as v
from referrals.service.context import Referrals
from referrals.service.shapes import concept, instant
from referrals.store import cases

MEASURE = f"{v.LOCAL}/Measure/response-time"
_GROUP = f"{v.LOCAL}/CodeSystem/response-report"
_POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"


async def response_report(tx: FhirTransaction, ctx: Referrals, service_id: str) -> JsonObject:
    service = await tx.read("HealthcareService", service_id)
    answered = await cases.responded_cases(tx.conn, service.reference)
    days = [
        ctx.calendar.working_days_between(c.submitted_at.date(), c.responded_at.date())
        for c in answered
        if c.responded_at is not None
    ]
    within = sum(1 for c in answered if c.responded_at and c.responded_at <= c.due_at)
    count = len(answered)
    now = ctx.now()
    start = min((c.submitted_at for c in answered), default=now)
    return {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": MEASURE,
        "subject": {"reference": service.reference},
        "date": instant(now),
        "period": {"start": instant(start), "end": instant(now)},
        "group": [
            {
                "code": concept(_GROUP, "median-response-working-days"),
                "population": [_population("initial-population", count)],
                "measureScore": {
                    "value": float(median(days)) if days else 0.0,
                    "unit": "working days",
                },
            },
            {
                "code": concept(_GROUP, "within-target"),
                "population": [_population("denominator", count), _population("numerator", within)],
                "measureScore": {
                    "value": round(100.0 * within / count, 1) if count else 0.0,
                    "unit": "%",
                },
            },
        ],
    }


def _population(code: str, count: int) -> JsonObject:
    return {"code": concept(_POPULATION, code), "count": count}
