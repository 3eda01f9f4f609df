"""The FHIR face of co-ordinator assignments: the patient's CareTeam and EpisodeOfCare.

Both are rebuilt from the assignment rows on every change (history included), so the
CareTeam always shows each co-ordinator and cover with its real period, and
`EpisodeOfCare.careManager` names the substantive co-ordinator in force. Rebuilding
instead of patching keeps one source of truth: the assignment table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from care_plans.domain.codes import COORDINATOR_KIND_SYSTEM, COORDINATOR_ROLE_SYSTEM
from care_plans.store import coordination as store
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, SDS_USER_SYSTEM
from carecoord_shared.fhir.unit_of_work import FhirTransaction

Json = dict[str, Any]


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _period(row: Any) -> Json:
    ends = [t for t in (row.period_end, row.ended_at) if t is not None]
    period: Json = {"start": _instant(row.period_start)}
    if ends:
        period["end"] = _instant(min(ends))
    return period


def _member(row: Any) -> Json:
    member: Json = {
        "reference": row.coordinator_ref,
        "identifier": {"system": SDS_USER_SYSTEM, "value": row.sds_user_id},
    }
    if row.display:
        member["display"] = row.display
    return member


def participant(row: Any) -> Json:
    role = "care-coordinator-cover" if row.cover else "care-coordinator"
    return {
        "role": [
            {"coding": [{"system": COORDINATOR_ROLE_SYSTEM, "code": role}]},
            {"coding": [{"system": COORDINATOR_KIND_SYSTEM, "code": row.kind}]},
        ],
        "member": _member(row),
        "period": _period(row),
    }


def _subject(nhs_number: str) -> Json:
    return {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}}


def care_team(nhs_number: str, rows: list[Any]) -> Json:
    team: Json = {
        "resourceType": "CareTeam",
        "status": "active",
        "name": "Care co-ordination",
        "subject": _subject(nhs_number),
    }
    if rows:
        team["participant"] = [participant(row) for row in rows]
    return team


def episode(nhs_number: str, care_team_id: str, manager: Any, start: datetime) -> Json:
    body: Json = {
        "resourceType": "EpisodeOfCare",
        "status": "active",
        "patient": _subject(nhs_number),
        "team": [{"reference": f"CareTeam/{care_team_id}"}],
        "period": {"start": _instant(start)},
    }
    if manager is not None:
        body["careManager"] = _member(manager)
    return body


async def rebuild(tx: FhirTransaction, nhs_number: str, now: datetime) -> str:
    """Write the CareTeam and EpisodeOfCare from the assignments; returns the CareTeam ref."""
    rows = await store.history(tx.conn, nhs_number)
    manager = next(
        (r for r in reversed(rows) if not r.cover and r.ended_at is None and r.period_start <= now),
        None,
    )
    known = await store.coordination_of(tx.conn, nhs_number)
    if known is None:
        team, _ = await tx.create("CareTeam", care_team(nhs_number, rows))
        first = rows[0].period_start if rows else now
        ep, _ = await tx.create("EpisodeOfCare", episode(nhs_number, team.id, manager, first))
        await store.remember_coordination(tx.conn, nhs_number, team.id, ep.id)
        return team.reference
    team_now = await tx.read("CareTeam", known.care_team_id, lock=True)
    await tx.update(
        "CareTeam", team_now.id, care_team(nhs_number, rows), if_match=team_now.version_id
    )
    ep_now = await tx.read("EpisodeOfCare", known.episode_id, lock=True)
    start = (ep_now.as_json().get("period") or {}).get("start")
    body = episode(nhs_number, known.care_team_id, manager, now)
    body["period"]["start"] = start or body["period"]["start"]
    await tx.update("EpisodeOfCare", ep_now.id, body, if_match=ep_now.version_id)
    return team_now.reference
