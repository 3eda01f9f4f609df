"""What sharing is decided on: each patient's registered practice and Consents.

One statement for any number of patients: the practice (from care plans' events) and
the patient's current Consents, read straight from the portal's own resource table
by NHS number (indexed), as the portal stores them. A FHIR search per patient was
most of the consumer's time per event. Whether a Consent withholds sharing stays the
domain's rule (`consent_withholds`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from carecoord_shared.ports import Repository
from carecoord_shared.store.tables import resource
from portal.store.subscription_tables import subscription_patient

__all__ = ["PatientSharing", "SharingRows", "consents_of"]

PatientSharing = tuple[str | None, list[dict[str, Any]]]
"""A patient's registered practice (None: not heard of) and current Consents."""


def consents_of(nhs: Any) -> sa.ScalarSelect[Any]:
    """The stored bodies of a patient's current Consents, as one array column."""
    return (
        sa.select(sa.func.array_agg(resource.c.content))
        .where(
            resource.c.resource_type == "Consent",
            resource.c.patient_nhs == nhs,
            resource.c.deleted.is_(False),
        )
        .scalar_subquery()
    )


def bodies(contents: Sequence[bytes] | None) -> list[dict[str, Any]]:
    return [orjson.loads(content) for content in contents or ()]


_ASKED = (
    sa.func.unnest(sa.bindparam("patients", type_=ARRAY(sa.Text)))
    .table_valued("nhs")
    .render_derived()
)
_SHARING = sa.select(
    _ASKED.c.nhs, subscription_patient.c.practice, consents_of(_ASKED.c.nhs).label("consents")
).select_from(
    _ASKED.outerjoin(subscription_patient, subscription_patient.c.patient_nhs == _ASKED.c.nhs)
)


class SharingRows(Repository):
    async def of(self, patients: Sequence[str]) -> dict[str, PatientSharing]:
        """Each patient's practice and Consents (one statement)."""
        if not patients:
            return {}
        rows = await self._conn.execute(_SHARING, {"patients": list(patients)})
        return {row.nhs: (row.practice, bodies(row.consents)) for row in rows}
