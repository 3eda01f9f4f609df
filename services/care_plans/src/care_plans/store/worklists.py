"""Worklists and caseloads: register questions answered in SQL, returned as stored resources.

Every query joins the kernel's resource table under the caller's access rule, so a
worklist never lists a patient the caller could not open (filtered in the query,
never after: ARCHITECTURE.md "Security model").
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from care_plans.domain.areas import Area
from care_plans.domain.register import LTC
from care_plans.store.coordination import in_force
from care_plans.store.coordination import rows as assignments
from care_plans.store.plans import due_date, plans
from care_plans.store.tables import care_plan_index, coordinator_assignment, patient_register
from carecoord_shared.fhir.unit_of_work import access_rule
from carecoord_shared.ports import Repository
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.repository import STORED_COLUMNS, StoredResource, stored_from_row
from carecoord_shared.store.tables import resource

MAX_ROWS = 500
register = patient_register.c


def in_area(area: Area) -> list[ColumnElement[bool]]:
    found = []
    if area.practice is not None:
        found.append(register.practice == area.practice)
    if area.locality is not None:
        found.append(register.locality == area.locality)
    return found


def in_ltc_cohort() -> ColumnElement[bool]:
    return sa.literal(LTC) == sa.any_(register.cohorts)


def has_coordinator(at: datetime) -> ColumnElement[bool]:
    return sa.exists().where(
        assignments.patient_nhs == register.nhs_number,
        assignments.cover.is_(False),
        in_force(at),
    )


class WorklistRepository(Repository):
    """Lists of patients and plans for one caller, never more than `MAX_ROWS`."""

    async def _resources(
        self, principal: Principal, resource_type: str, ids: sa.Select[tuple[str]]
    ) -> list[StoredResource]:
        visible = access_rule(principal)
        query = (
            sa.select(*STORED_COLUMNS)
            .where(
                resource.c.resource_type == resource_type,
                resource.c.id.in_(ids),
                resource.c.deleted.is_(False),
                visible(resource.c.patient_nhs),
            )
            .order_by(resource.c.id)
            .limit(MAX_ROWS)
        )
        return [stored_from_row(row) for row in await self._conn.execute(query)]

    async def caseload(
        self, principal: Principal, area: Area, coordinator: str | None, at: datetime
    ) -> list[StoredResource]:
        """Patients with a co-ordinator (or cover) in force, by co-ordinator and/or area."""
        filters = [in_force(at), *in_area(area)]
        if coordinator is not None:
            filters.append(assignments.sds_user_id == coordinator)
        ids = (
            sa.select(register.patient_id)
            .select_from(
                coordinator_assignment.join(
                    patient_register, register.nhs_number == assignments.patient_nhs
                )
            )
            .where(*filters)
        )
        return await self._resources(principal, "Patient", ids)

    async def unassigned(
        self, principal: Principal, area: Area, at: datetime
    ) -> list[StoredResource]:
        """Long-term-condition patients with no named co-ordinator in force (G2's gap)."""
        ids = sa.select(register.patient_id).where(
            in_ltc_cohort(), ~has_coordinator(at), *in_area(area)
        )
        return await self._resources(principal, "Patient", ids)

    async def overdue_reviews(
        self, principal: Principal, area: Area, as_of: date
    ) -> list[StoredResource]:
        """Active comprehensive plans whose review date has passed."""
        ids = (
            sa.select(plans.care_plan_id)
            .select_from(
                care_plan_index.outerjoin(
                    patient_register, register.nhs_number == plans.patient_nhs
                )
            )
            .where(plans.comprehensive, plans.active, due_date() < as_of, *in_area(area))
        )
        return await self._resources(principal, "CarePlan", ids)
