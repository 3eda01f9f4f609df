"""Worklists and caseloads for one caller: their access rule applied in the query, and
every listed resource audited as a search would be."""

from __future__ import annotations

from datetime import date, datetime

from care_plans.domain.areas import Area
from care_plans.store.worklists import WorklistRepository
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource


async def caseload(
    tx: FhirTransaction, area: Area, coordinator: str | None, now: datetime
) -> list[StoredResource]:
    found = await tx.repository(WorklistRepository).caseload(tx.principal, area, coordinator, now)
    await tx.audit("E", "Patient/$caseload", found)
    return found


async def unassigned(tx: FhirTransaction, area: Area, now: datetime) -> list[StoredResource]:
    found = await tx.repository(WorklistRepository).unassigned(tx.principal, area, now)
    await tx.audit("E", "Patient/$unassigned-coordinator", found)
    return found


async def overdue(tx: FhirTransaction, area: Area, as_of: date) -> list[StoredResource]:
    found = await tx.repository(WorklistRepository).overdue_reviews(tx.principal, area, as_of)
    await tx.audit("E", "CarePlan/$overdue-review", found)
    return found
