"""The front door's read model: each patient's plan and co-ordinator, as care_plans said.

Written only by the consumers of care_plans' events (`careplan.revised`,
`coordinator.assigned`, `coordinator.ended`), read by care-plan-aware routing and the
P9 "my care" page. Each part keeps the time of the event it came from, so an older
event redelivered after a newer one changes nothing, and the page can say how fresh
the data is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert

from carecoord_shared.ports import Repository
from carecoord_shared.security.access import access_grant
from carecoord_shared.store.columns import columns
from carecoord_shared.store.upsert import upsert

__all__ = [
    "EpisodeRow",
    "PatientCare",
    "PatientCareRecord",
    "PatientEpisodes",
    "RegisteredPractice",
    "patient_care",
    "patient_episode",
]

_TIME = sa.DateTime(timezone=True)
patient_care = sa.Table(
    "front_door_patient_care",
    sa.MetaData(),
    sa.Column("nhs_number", sa.Text, primary_key=True),
    *columns(sa.Text, "care_plan", "plan_version", "plan_status", nullable=True),
    *columns(sa.Text, "plan_title", "plan_description", nullable=True),
    sa.Column("next_review_due", sa.Date),
    sa.Column("end_of_life", JSONB),
    sa.Column("plan_changed_at", _TIME),
    *columns(JSONB, "coordinator", "cover", nullable=True),
    sa.Column("coordinator_changed_at", _TIME),
    sa.Column("received_at", _TIME, nullable=False),
)

patient_episode = sa.Table(
    "front_door_patient_episode",
    sa.MetaData(),
    *columns(sa.Text, "nhs_number", "key", primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("ubrn", sa.Text),
    sa.Column("stage", sa.Text, nullable=False),
    *columns(sa.Text, "next_step", "due_by", nullable=True),
    sa.Column("changed_at", _TIME, nullable=False),
)


@dataclass(frozen=True, slots=True)
class EpisodeRow:
    """One A&G request, referral or MDT outcome of the patient, as its last event said."""

    nhs_number: str
    key: str
    kind: str
    ubrn: str | None
    stage: str
    next_step: str | None
    due_by: str | None
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class PatientCareRecord:
    nhs_number: str
    care_plan: str | None
    plan_version: str | None
    plan_status: str | None
    plan_title: str | None
    plan_description: str | None
    next_review_due: date | None
    end_of_life: dict[str, Any] | None
    plan_changed_at: datetime | None
    coordinator: dict[str, Any] | None
    cover: dict[str, Any] | None
    coordinator_changed_at: datetime | None
    received_at: datetime


class PatientCare(Repository):
    async def _upsert(self, nhs_number: str, stamp: str, at: datetime, **values: Any) -> None:
        """Write `values` unless a later event already wrote this part (`stamp` column)."""
        row = {"nhs_number": nhs_number, stamp: at, "received_at": at, **values}
        statement = insert(patient_care).values(**row)
        newer = sa.or_(
            patient_care.c[stamp].is_(None), patient_care.c[stamp] <= statement.excluded[stamp]
        )
        changes = {k: statement.excluded[k] for k in row if k != "nhs_number"}
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["nhs_number"], set_=changes, where=newer
            )
        )

    async def plan_revised(self, nhs_number: str, data: dict[str, Any], at: datetime) -> None:
        review = data.get("nextReviewDue")
        await self._upsert(
            nhs_number,
            "plan_changed_at",
            at,
            care_plan=data.get("carePlan"),
            plan_version=str(data.get("versionId") or ""),
            plan_status=data.get("status"),
            plan_title=data.get("title"),
            plan_description=data.get("description"),
            next_review_due=date.fromisoformat(review) if review else None,
            end_of_life=data.get("endOfLife"),
        )

    async def coordinator_changed(
        self,
        nhs_number: str,
        coordinator: dict[str, Any] | None,
        cover: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        await self._upsert(
            nhs_number, "coordinator_changed_at", at, coordinator=coordinator, cover=cover
        )

    async def get(self, nhs_number: str) -> PatientCareRecord | None:
        query = sa.select(patient_care).where(patient_care.c.nhs_number == nhs_number)
        row = (await self._conn.execute(query)).first()
        return PatientCareRecord(**row._mapping) if row else None


class RegisteredPractice(Repository):
    """The patient's practice, from the portal's own copy of the register (the grant each
    `patient.registered` event gives the practice; `events.patient_registered`)."""

    async def of(self, nhs_number: str) -> str | None:
        grant = access_grant.c
        query = (
            sa.select(grant.party)
            .where(
                grant.patient_nhs == nhs_number,
                grant.party_kind == "organisation",
                grant.reason == "registered-practice",
                grant.valid_to.is_(None),
            )
            .order_by(grant.valid_from.desc())
            .limit(1)
        )
        found = await self._conn.scalar(query)
        return str(found) if found else None


_EPISODE = tuple(EpisodeRow.__dataclass_fields__)
_KEPT = ("kind", "ubrn")
"""What an event that does not carry it (empty) leaves as an earlier event gave it."""

_UPSERT_EPISODE = upsert(
    patient_episode,
    ("nhs_number", "key"),
    _EPISODE,
    where=lambda new: patient_episode.c.changed_at <= new.changed_at,
    also=lambda new: {
        k: sa.func.coalesce(sa.func.nullif(new[k], ""), patient_episode.c[k]) for k in _KEPT
    },
)
"""One event's row, unless a later event already changed its episode."""


class PatientEpisodes(Repository):
    async def apply(self, rows: Sequence[EpisodeRow]) -> None:
        """Keep each row unless a later event already changed its episode; a UBRN or kind
        the event does not carry (empty) keeps the one an earlier event gave. Rows in
        their events' order, each as its event alone would, sent together (one
        pipelined statement)."""
        if rows:
            values = [{k: getattr(row, k) for k in _EPISODE} for row in rows]
            await self._conn.execute(_UPSERT_EPISODE, values)

    async def of(self, nhs_number: str) -> list[EpisodeRow]:
        query = (
            sa.select(patient_episode)
            .where(patient_episode.c.nhs_number == nhs_number)
            .order_by(patient_episode.c.changed_at.desc())
        )
        return [EpisodeRow(**r._mapping) for r in await self._conn.execute(query)]
