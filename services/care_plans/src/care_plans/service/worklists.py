"""Worklists and caseloads for one caller: their access rule applied in the query, and
every listed patient audited as a search would be."""

from __future__ import annotations

from datetime import UTC, date, datetime

from care_plans.domain.areas import Area
from care_plans.store import worklists as store
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource


async def caseload(
    tx: FhirTransaction, area: Area, coordinator: str | None
) -> list[StoredResource]:
    found = await store.caseload(tx.conn, tx.rule, area, coordinator, datetime.now(UTC))
    await tx.audit("E", "Patient/$caseload", found)
    return found


async def unassigned(tx: FhirTransaction, area: Area) -> list[StoredResource]:
    found = await store.unassigned_ltc(tx.conn, tx.rule, area, datetime.now(UTC))
    await tx.audit("E", "Patient/$unassigned-coordinator", found)
    return found


async def overdue(tx: FhirTransaction, area: Area, as_of: date | None) -> list[StoredResource]:
    day = as_of or datetime.now(UTC).date()
    found = await store.overdue_reviews(tx.conn, tx.rule, area, day)
    await tx.audit("E", "CarePlan/$overdue-review", found)
    return found
