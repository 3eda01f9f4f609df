"""Everything this service holds about one patient, for `Patient/{id}/$everything`.

One query over the kernel's resource table by the patient each resource is tied to
(whether it named them by NHS number or by `Patient/<id>`), under the caller's access
rule and limited to the types the caller may read, so nothing is filtered afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from carecoord_shared.fhir.unit_of_work import access_rule
from carecoord_shared.ports import Repository
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.repository import STORED_COLUMNS, StoredResource, stored_from_row
from carecoord_shared.store.tables import resource

MAX_RESOURCES = 1000
"""Bounded work per request: a record larger than this is read type by type."""


class PatientRecordRepository(Repository):
    async def about(
        self, principal: Principal, patient_nhs: str, resource_types: Sequence[str]
    ) -> list[StoredResource]:
        """The current, not deleted resources of `resource_types` about the patient, by
        type then age, at most `MAX_RESOURCES + 1` (so the caller knows there were more)."""
        visible = access_rule(principal)
        query = (
            sa.select(*STORED_COLUMNS)
            .where(
                resource.c.patient_nhs == patient_nhs,
                resource.c.resource_type.in_(list(resource_types)),
                resource.c.deleted.is_(False),
                visible(resource.c.patient_nhs),
            )
            .order_by(resource.c.resource_type, resource.c.pk)
            .limit(MAX_RESOURCES + 1)
        )
        return [stored_from_row(row) for row in await self._conn.execute(query)]
