"""The FHIR face of co-ordinator assignments: the patient's CareTeam and EpisodeOfCare.

Both are rebuilt from the assignment records on every change (history included), so
the CareTeam always shows each co-ordinator and cover with its real period, and
`EpisodeOfCare.careManager` names the substantive co-ordinator in force.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from care_plans.domain.coordination import AssignmentRecord, Coordinator
from care_plans.fhir.vocabulary import COORDINATOR_KIND_SYSTEM, COORDINATOR_ROLE_SYSTEM
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, SDS_USER_SYSTEM

Json = dict[str, Any]


def instant(value: datetime) -> str:
    """A FHIR instant in UTC with the `Z` designator."""
    return value.isoformat().replace("+00:00", "Z")


def _period(record: AssignmentRecord) -> Json:
    ends = [t for t in (record.period_end, record.ended_at) if t is not None]
    period: Json = {"start": instant(record.period_start)}
    if ends:
        period["end"] = instant(min(ends))
    return period


def member(who: Coordinator) -> Json:
    found: Json = {
        "reference": who.reference,
        "identifier": {"system": SDS_USER_SYSTEM, "value": who.sds_user_id},
    }
    if who.display:
        found["display"] = who.display
    return found


def participant(record: AssignmentRecord) -> Json:
    role = "care-coordinator-cover" if record.cover else "care-coordinator"
    return {
        "role": [
            {"coding": [{"system": COORDINATOR_ROLE_SYSTEM, "code": role}]},
            {"coding": [{"system": COORDINATOR_KIND_SYSTEM, "code": record.kind}]},
        ],
        "member": member(record.coordinator),
        "period": _period(record),
    }


def patient_by_nhs_number(nhs_number: str) -> Json:
    return {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}}


def care_team(nhs_number: str, records: list[AssignmentRecord]) -> Json:
    team: Json = {
        "resourceType": "CareTeam",
        "status": "active",
        "name": "Care co-ordination",
        "subject": patient_by_nhs_number(nhs_number),
    }
    if records:
        team["participant"] = [participant(record) for record in records]
    return team


def episode(
    nhs_number: str, care_team_id: str, manager: AssignmentRecord | None, start: str
) -> Json:
    body: Json = {
        "resourceType": "EpisodeOfCare",
        "status": "active",
        "patient": patient_by_nhs_number(nhs_number),
        "team": [{"reference": f"CareTeam/{care_team_id}"}],
        "period": {"start": start},
    }
    if manager is not None:
        body["careManager"] = member(manager.coordinator)
    return body
