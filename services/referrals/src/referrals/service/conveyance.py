"""The avoided-conveyance measure of an advice line, per locality.

Advice-line services report about 53-55% of calls avoiding conveyance (DOMAIN.md);
this is the same figure for one line: of its recorded calls, the share where the
patient was not conveyed, overall and per locality.
"""

from __future__ import annotations

import sqlalchemy as sa

from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from referrals.domain import vocabulary as v
from referrals.service.context import Referrals
from referrals.service.shapes import concept, instant
from referrals.store.tables import advice_call

MEASURE = f"{v.LOCAL}/Measure/avoided-conveyance"
_POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"


async def avoided_conveyance(tx: FhirTransaction, ctx: Referrals, line_id: str) -> JsonObject:
    line = await tx.read("HealthcareService", line_id)
    c = advice_call.c
    rows = await tx.conn.execute(
        sa.select(
            c.locality,
            sa.func.count().label("calls"),
            sa.func.count().filter(c.outcome == "not-conveyed").label("avoided"),
        )
        .where(c.advice_line == line.reference)
        .group_by(c.locality)
        .order_by(c.locality)
    )
    groups = [_group(row.locality or "unknown", row.calls, row.avoided) for row in rows]
    return {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": MEASURE,
        "subject": {"reference": line.reference},
        "date": instant(ctx.now()),
        "period": {"end": instant(ctx.now())},
        "group": groups,
    }


def _group(locality: str, calls: int, avoided: int) -> JsonObject:
    return {
        "code": concept(v.SERVES_LOCALITY, locality),
        "population": [
            {"code": concept(_POPULATION, "denominator"), "count": calls},
            {"code": concept(_POPULATION, "numerator"), "count": avoided},
        ],
        "measureScore": {"value": round(100.0 * avoided / calls, 1) if calls else 0.0, "unit": "%"},
    }
