"""Rebuilding the patient's CareTeam and EpisodeOfCare from their assignments.

Both are rebuilt from the assignment records on every change instead of patched, so
there is one source of truth (the assignments) and the CareTeam always shows each
co-ordinator and cover with its real period (shapes in `fhir.care_team`).
"""

from __future__ import annotations

from datetime import datetime

from care_plans.domain.coordination import Coordination, substantive_in_force
from care_plans.fhir.care_team import care_team, episode, instant
from care_plans.store.coordination import AssignmentRepository
from carecoord_shared.fhir.unit_of_work import FhirTransaction


async def rebuild(tx: FhirTransaction, nhs_number: str, now: datetime) -> str:
    """Write the CareTeam and EpisodeOfCare from the assignments; returns the CareTeam ref."""
    assignments = tx.repository(AssignmentRepository)
    records = await assignments.history(nhs_number)
    manager = substantive_in_force(records, now)
    known = await assignments.coordination_of(nhs_number)
    if known is None:
        team, _ = await tx.create("CareTeam", care_team(nhs_number, records))
        first = instant(records[0].period_start if records else now)
        ep, _ = await tx.create("EpisodeOfCare", episode(nhs_number, team.id, manager, first))
        await assignments.remember_coordination(nhs_number, Coordination(team.id, ep.id))
        return team.reference
    team_now = await tx.read("CareTeam", known.care_team_id, lock=True)
    body = care_team(nhs_number, records)
    await tx.update("CareTeam", team_now.id, body, if_match=team_now.version_id)
    ep_now = await tx.read("EpisodeOfCare", known.episode_id, lock=True)
    start = (ep_now.as_json().get("period") or {}).get("start") or instant(now)
    body = episode(nhs_number, known.care_team_id, manager, start)
    await tx.update("EpisodeOfCare", ep_now.id, body, if_match=ep_now.version_id)
    return team_now.reference
