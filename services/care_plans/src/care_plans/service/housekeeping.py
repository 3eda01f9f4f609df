"""Time-driven work: cover that ends by itself and reviews that fall due.

Nothing else moves the clock, so the worker runs `housekeep` every
`housekeeping_interval_s`. It is idempotent (each lapse and each due date is acted
on once) and safe to run from several workers (claims use SKIP LOCKED).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from care_plans.service.coordinators import lapse_ended_periods
from care_plans.service.reactions import WORKER
from care_plans.service.reviews import announce_due_reviews
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.fhir.unit_of_work import fhir_transaction


@dataclass(frozen=True, slots=True)
class HousekeepingReport:
    lapsed_assignments: int
    reviews_announced: int


async def housekeep(engine: AsyncEngine, registry: FhirRegistry, topic: str) -> HousekeepingReport:
    async with fhir_transaction(engine, registry, WORKER) as tx:
        lapsed = await lapse_ended_periods(tx, topic)
    async with engine.begin() as conn:
        announced = await announce_due_reviews(conn, topic)
    return HousekeepingReport(lapsed, announced)
