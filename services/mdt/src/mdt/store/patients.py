"""What the mdt service keeps of other services' events: the patient's practice, risk,
cohorts and plan review date, and their recent referrals and advice calls.

Rules, ordering (risk) and the preparation checklist read these rows, so the MDT
keeps working when care plans or referrals are down.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from carecoord_shared.ports import Repository
from mdt.domain.cases import KnownPatient
from mdt.store.tables import mdt_activity, mdt_patient

PATIENT_FIELDS = frozenset(KnownPatient.__dataclass_fields__) - {"patient_nhs"}


def _patient(row: Any) -> KnownPatient:
    return KnownPatient(
        row.patient_nhs, row.practice, row.risk_score, tuple(row.cohorts), row.review_due_on
    )


class Patients(Repository):
    async def update(self, patient_nhs: str, **values: Any) -> None:
        """Set the named fields of what is known of the patient (created if new)."""
        unknown = set(values) - PATIENT_FIELDS
        if unknown:
            raise ValueError(f"a known patient has no field {sorted(unknown)}")
        values = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
        statement = insert(mdt_patient).values(patient_nhs=patient_nhs, **values)
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=[mdt_patient.c.patient_nhs],
                set_={k: statement.excluded[k] for k in values},
            )
        )

    async def get(self, patient_nhs: str) -> KnownPatient | None:
        query = sa.select(mdt_patient).where(mdt_patient.c.patient_nhs == patient_nhs)
        row = (await self._conn.execute(query)).first()
        return _patient(row) if row else None

    async def many(self, numbers: Sequence[str]) -> dict[str, KnownPatient]:
        """What is known of several patients at once (for a whole case list)."""
        query = sa.select(mdt_patient).where(mdt_patient.c.patient_nhs.in_(sorted(set(numbers))))
        return {row.patient_nhs: _patient(row) for row in await self._conn.execute(query)}

    async def record_activity(
        self, reference: str, patient_nhs: str, kind: str, at: datetime
    ) -> None:
        """A referral, A&G request or advice call (the first time it is seen)."""
        await self._conn.execute(
            insert(mdt_activity)
            .values(reference=reference, patient_nhs=patient_nhs, kind=kind, occurred_at=at)
            .on_conflict_do_nothing()
        )

    async def recent_activity(
        self, patient_nhs: str, since: datetime, kind: str | None = None
    ) -> list[str]:
        """References of the patient's activity since `since`, oldest first."""
        table = mdt_activity.c
        query = sa.select(table.reference).where(
            table.patient_nhs == patient_nhs, table.occurred_at >= since
        )
        if kind is not None:
            query = query.where(table.kind == kind)
        rows = await self._conn.execute(query.order_by(table.occurred_at, table.reference))
        return [r.reference for r in rows]

    async def activity_of(self, numbers: Sequence[str], since: datetime) -> dict[str, list[str]]:
        """Recent referrals and advice calls of several patients at once."""
        table = mdt_activity.c
        query = (
            sa.select(table.patient_nhs, table.reference)
            .where(table.patient_nhs.in_(sorted(set(numbers))), table.occurred_at >= since)
            .order_by(table.occurred_at, table.reference)
        )
        found: dict[str, list[str]] = {}
        for row in await self._conn.execute(query):
            found.setdefault(row.patient_nhs, []).append(row.reference)
        return found
