"""Indicators G1-G3: loading their Measure resources and evaluating them.

Measures are written at start-up with fixed ids (G1, G2, G3), idempotently, so every
environment serves the same canonical definitions. Evaluation counts straight from
the register (`store.indicators`); nothing about individual patients leaves it.
"""

from __future__ import annotations

from datetime import date, datetime

from care_plans.domain.areas import Area
from care_plans.domain.measures import INDICATORS
from care_plans.fhir.measures import measure_report, measure_resource
from care_plans.store.indicators import IndicatorRepository
from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.outcome import FhirError, JsonObject, not_found
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal


async def _stored(tx: FhirTransaction, code: str) -> bool:
    try:
        await tx.read("Measure", code)
    except FhirError as error:
        if error.status == 404:
            return False
        raise
    return True


async def ensure_measures(fhir: FhirInteractions, principal: Principal) -> int:
    """Store each indicator's Measure under its code unless it is there; returns how many
    were written. Another instance starting at the same moment may win a write (409)."""
    written = 0
    for code, indicator in INDICATORS.items():
        try:
            async with fhir.operation(principal) as tx:
                if await _stored(tx, code):
                    continue
                await tx.update("Measure", code, measure_resource(indicator), if_match=None)
        except FhirError as error:
            if error.status == 409:
                continue
            raise
        written += 1
    return written


async def evaluate(
    tx: FhirTransaction,
    code: str,
    area: Area,
    period: tuple[date, date],
    subject: str | None,
    now: datetime,
) -> JsonObject:
    """The MeasureReport of indicator `code` for `area` over `period` (404 unknown code)."""
    indicator = INDICATORS.get(code)
    if indicator is None:
        raise not_found("Measure", code[:64])
    counts = await tx.repository(IndicatorRepository).population(code, area, period[1])
    return measure_report(indicator, counts, period, subject, now)
