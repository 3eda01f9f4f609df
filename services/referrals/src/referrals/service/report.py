"""The per-service response report: how fast a service answers, against its targets.

For one HealthcareService: the number of requests it has responded to, the median
response time in working days (weekends and bank holidays do not count, as for the
targets), and the percentage answered by the due date (the due date already moved on
for any pause while the referrer had the turn).
"""

from __future__ import annotations

from statistics import median

from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.unit_of_work import FhirReads
from referrals.fhir.measures import RESPONSE_GROUP, RESPONSE_TIME, Group, measure_report, share
from referrals.service.context import Referrals
from referrals.store.cases import TriageCases


async def response_report(tx: FhirReads, ctx: Referrals, service_id: str) -> JsonObject:
    service = await tx.read("HealthcareService", service_id)
    answered = await tx.repository(TriageCases).responded(service.reference)
    days = [
        ctx.calendar.working_days_between(c.submitted_at.date(), c.responded_at.date())
        for c in answered
        if c.responded_at is not None
    ]
    within = sum(1 for c in answered if c.responded_at and c.responded_at <= c.due_at)
    count, now = len(answered), ctx.now()
    groups = [
        Group(
            RESPONSE_GROUP,
            "median-response-working-days",
            (("initial-population", count),),
            float(median(days)) if days else 0.0,
            "working days",
        ),
        Group(
            RESPONSE_GROUP,
            "within-target",
            (("denominator", count), ("numerator", within)),
            share(within, count),
            "%",
        ),
    ]
    start = min((c.submitted_at for c in answered), default=now)
    return measure_report(RESPONSE_TIME, service.reference, now, groups, start)
