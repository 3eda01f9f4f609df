"""Cases: the queue each meeting's case list is cut from.

Looking for a patient's open case takes a transaction-scoped advisory lock on (MDT,
patient) first, so concurrent nominations and rule events for one patient queue up:
the first creates the case, each later one finds it and adds to it (200, never a
lost race). The partial unique index `uq_mdt_case_open_patient` stays as the
guarantee of one open case per patient per MDT should anything bypass the lock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from carecoord_shared.ports import Repository
from mdt.domain.cases import Case
from mdt.domain.model import WAITING_STATES
from mdt.store.tables import by_id, mdt_case, mdt_meeting

CASE_FIELDS = frozenset(Case.__dataclass_fields__)


def _case(row: Any) -> Case:
    values = {name: row._mapping[name] for name in CASE_FIELDS}
    values["nominators"], values["sources"] = tuple(row.nominators), tuple(row.sources)
    return Case(**values)


class Cases(Repository):
    async def open_case(self, mdt_id: str, patient_nhs: str) -> Case | None:
        """The patient's open case with this MDT, locked (None if there is none); whoever
        asks next for the same patient and MDT waits until this transaction ends."""
        key = sa.func.hashtextextended(f"mdt-case/{mdt_id}/{patient_nhs}", 0)
        await self._conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
        query = (
            sa.select(mdt_case)
            .where(
                mdt_case.c.mdt_id == mdt_id, mdt_case.c.patient_nhs == patient_nhs, mdt_case.c.open
            )
            .with_for_update()
        )
        row = (await self._conn.execute(query)).first()
        return _case(row) if row else None

    async def get(self, case_id: str, *, lock: bool = False) -> Case | None:
        row = (await self._conn.execute(by_id(mdt_case, case_id, lock=lock))).first()
        return _case(row) if row else None

    async def add(self, case: Case) -> None:
        values = {name: getattr(case, name) for name in CASE_FIELDS}
        values["nominators"], values["sources"] = list(case.nominators), list(case.sources)
        await self._conn.execute(sa.insert(mdt_case).values(**values))

    async def update(self, case_id: str, **changes: Any) -> None:
        """Change the named fields of a case (names of `Case`'s fields)."""
        unknown = set(changes) - CASE_FIELDS
        if unknown:
            raise ValueError(f"a case has no field {sorted(unknown)}")
        values = {k: list(v) if isinstance(v, tuple) else v for k, v in changes.items()}
        await self._conn.execute(sa.update(mdt_case).where(mdt_case.c.id == case_id).values(values))

    async def waiting_for(self, mdt_id: str, meeting_id: str, starts_at: datetime) -> list[Case]:
        """Open cases that belong on this meeting's list: unassigned, assigned to it, or left
        over from an earlier meeting. Locked, so two assemblies cannot interleave."""
        earlier = sa.select(mdt_meeting.c.id).where(
            mdt_meeting.c.mdt_id == mdt_id, mdt_meeting.c.starts_at < starts_at
        )
        query = (
            sa.select(mdt_case)
            .where(
                mdt_case.c.mdt_id == mdt_id,
                mdt_case.c.open,
                mdt_case.c.state.in_(sorted(WAITING_STATES)),
                sa.or_(
                    mdt_case.c.meeting_id.is_(None),
                    mdt_case.c.meeting_id == meeting_id,
                    mdt_case.c.meeting_id.in_(earlier),
                ),
            )
            .order_by(mdt_case.c.id)
            .with_for_update()
        )
        return [_case(r) for r in await self._conn.execute(query)]

    async def refresh_risk(self, patient_nhs: str, risk: float) -> None:
        """A new risk score from risk stratification re-orders the patient's open cases."""
        await self._conn.execute(
            sa.update(mdt_case)
            .where(mdt_case.c.patient_nhs == patient_nhs, mdt_case.c.open)
            .values(risk=risk)
        )

    async def open_patients(self, mdt_id: str) -> list[str]:
        """The NHS numbers of the patients the MDT has open cases for."""
        rows = await self._conn.execute(
            sa.select(mdt_case.c.patient_nhs).where(mdt_case.c.mdt_id == mdt_id, mdt_case.c.open)
        )
        return sorted(r.patient_nhs for r in rows)
