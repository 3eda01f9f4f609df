"""The register's read model, and the stored Conditions its rules are computed from.

`patient_register` is kept in the transaction of every Patient and Condition write.
The resource store is the kernel's; this repository only reads it (one patient's
current Conditions) for the rule that needs all of them inside a write, where a FHIR
search would page, audit and re-check a relationship the write has just checked.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from care_plans.domain.register import RegisterEntry
from care_plans.store.tables import patient_register
from carecoord_shared.ports import Repository
from carecoord_shared.store.tables import resource
from carecoord_shared.store.upsert import upsert

register = patient_register.c
_ENTRY = (
    register.nhs_number,
    register.patient_id,
    register.practice,
    register.locality,
    register.birth_date,
    register.cohorts,
    register.risk_score,
    register.six_monthly_review,
)
_SAVE = (
    sa.update(patient_register)
    .where(register.nhs_number == sa.bindparam("b_nhs"))
    .values(
        cohorts=sa.bindparam("b_cohorts"),
        risk_score=sa.bindparam("b_score"),
        six_monthly_review=sa.bindparam("b_six"),
    )
)
_ENROL = upsert(
    patient_register,
    "nhs_number",
    ["nhs_number", "patient_id", "practice", "locality", "birth_date"],
)
Stratified = tuple[str, Sequence[str], int, bool]
"""A patient's new stratification: NHS number, cohorts, risk score, six-monthly review."""


class RegisterRepository(Repository):
    """Patients on the register: where they are registered, their cohorts and score.

    One instance serves one unit of work and remembers the review interval it saved
    (a run of events restratifies, then revises the plan, of the same patient)."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn)
        self._six_monthly: dict[str, bool] = {}

    async def conditions_of(self, patient_nhs: str) -> list[dict[str, Any]]:
        """The patient's stored (not deleted) Conditions, as FHIR JSON."""
        return (await self.conditions_of_all([patient_nhs])).get(patient_nhs, [])

    async def conditions_of_all(self, patients: Collection[str]) -> dict[str, list[dict[str, Any]]]:
        """`conditions_of` each patient (one query; a patient with none is left out)."""
        rows = await self._conn.execute(
            sa.select(resource.c.patient_nhs, resource.c.content)
            .where(
                resource.c.resource_type == "Condition",
                resource.c.patient_nhs.in_(sorted(patients)),
                resource.c.deleted.is_(False),
            )
            .order_by(resource.c.pk)
        )
        found: dict[str, list[dict[str, Any]]] = {}
        for patient, content in rows:
            if content:
                found.setdefault(patient, []).append(orjson.loads(content))
        return found

    async def enrol(self, entry: RegisterEntry) -> None:
        """Add the patient, or update where they are registered (cohorts are kept)."""
        self._six_monthly.pop(entry.nhs_number, None)
        values = {
            "nhs_number": entry.nhs_number,
            "patient_id": entry.patient_id,
            "practice": entry.practice,
            "locality": entry.locality,
            "birth_date": entry.birth_date,
        }
        await self._conn.execute(_ENROL, values)

    async def remove(self, nhs_number: str) -> None:
        self._six_monthly.pop(nhs_number, None)
        await self._conn.execute(
            sa.delete(patient_register).where(register.nhs_number == nhs_number)
        )

    async def entry(self, nhs_number: str) -> RegisterEntry | None:
        """The patient's entry, locked until the unit of work ends (one restratification
        at a time per patient)."""
        return (await self.entries_of([nhs_number])).get(nhs_number)

    async def entries_of(self, nhs_numbers: Collection[str]) -> dict[str, RegisterEntry]:
        """`entry` of each patient on the register (one query, locked in NHS number order)."""
        query = (
            sa.select(*_ENTRY)
            .where(register.nhs_number.in_(sorted(nhs_numbers)))
            .order_by(register.nhs_number)
            .with_for_update()
        )
        entries = [RegisterEntry(*row) for row in await self._conn.execute(query)]
        return {e.nhs_number: replace(e, cohorts=tuple(e.cohorts or ())) for e in entries}

    async def save_stratification(
        self, nhs_number: str, cohorts: Sequence[str], score: int, six_monthly: bool
    ) -> None:
        await self.save_stratifications([(nhs_number, cohorts, score, six_monthly)])

    async def save_stratifications(self, saved: Sequence[Stratified]) -> None:
        """Each (NHS number, cohorts, score, six-monthly) in one round trip."""
        if not saved:
            return
        rows = [
            {"b_nhs": nhs, "b_cohorts": list(cohorts), "b_score": score, "b_six": six}
            for nhs, cohorts, score, six in saved
        ]
        await self._conn.execute(_SAVE, rows)
        self._six_monthly.update((nhs, six) for nhs, _, _, six in saved)

    async def nhs_number_of(self, patient_id: str) -> str | None:
        """The NHS number of the register's `Patient/<patient_id>`, if it is on it."""
        found = await self._conn.scalar(
            sa.select(register.nhs_number).where(register.patient_id == patient_id)
        )
        return None if found is None else str(found)

    async def six_monthly(self, nhs_number: str) -> bool:
        """Whether the patient's plan is reviewed every 6 months (diabetes or COPD)."""
        if nhs_number in self._six_monthly:
            return self._six_monthly[nhs_number]
        found = await self._conn.scalar(
            sa.select(register.six_monthly_review).where(register.nhs_number == nhs_number)
        )
        return bool(found)
