"""Assigning named co-ordinators and cover, handing over, and letting cover lapse.

One unit of work per assignment: the patient's row is locked first, so concurrent
assignments for one patient run one after another (and the partial unique index is
the backstop); the old assignment ends, the new one starts, the CareTeam and
EpisodeOfCare are rebuilt, the handover is recorded as Provenance, the co-ordinator's
'care-team' access grant moves, and both events go to the outbox, all in one commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from care_plans.domain.coordination import (
    Assignment,
    AssignmentRecord,
    AssignmentRejected,
    check_assignment,
    ended_reason,
    handover_reason,
)
from care_plans.domain.event_types import COORDINATOR_ASSIGNED, COORDINATOR_ENDED
from care_plans.domain.relationships import CARE_TEAM
from care_plans.fhir import provenance
from care_plans.service import care_team
from care_plans.service.announcements import announce_about_patient
from care_plans.service.provenance import record as record_provenance
from care_plans.store.coordination import AssignmentRepository
from carecoord_shared.fhir.outcome import business_rule
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource


async def end_assignment(
    tx: FhirTransaction, record: AssignmentRecord, at: datetime, reason: str
) -> None:
    """End one running assignment: its record, its access grant, and the `ended` event."""
    assignments = tx.repository(AssignmentRepository)
    await assignments.end(record.id, at, reason)
    nhs_number, who = record.patient_nhs, record.coordinator
    if not await assignments.holds_running(nhs_number, who.sds_user_id):
        await tx.grants.end(nhs_number, "user", who.sds_user_id, CARE_TEAM, at=at)
    known = await assignments.coordination_of(nhs_number)
    await announce_about_patient(
        tx,
        COORDINATOR_ENDED,
        record.patient_id,
        nhs_number,
        careTeam=None if known is None else known.care_team,
        coordinator=who.as_event(),
        kind=record.kind,
        reason=reason,
    )


def _assigned(team: str, new: Assignment, previous: AssignmentRecord | None) -> dict[str, Any]:
    """The data of `coordinator.assigned` (docs/EVENTS.md), after `patient`."""
    return {
        "careTeam": team,
        "coordinator": new.coordinator.as_event(),
        "kind": new.kind,
        "cover": new.cover,
        "period": {
            "start": new.start.isoformat(),
            "end": new.end.isoformat() if new.end else None,
        },
        "previous": previous.coordinator.as_event() if previous is not None else None,
    }


async def _locked_patient(tx: FhirTransaction, patient_id: str) -> tuple[StoredResource, str]:
    patient = await tx.read("Patient", patient_id, lock=True)
    if patient.patient_nhs is None:
        raise business_rule("The patient has no NHS number", ("Patient.identifier",))
    return patient, patient.patient_nhs


async def assign_coordinator(
    tx: FhirTransaction, patient_id: str, assignment: Assignment, now: datetime
) -> str:
    """Make `assignment` the patient's co-ordinator (or cover); returns their CareTeam."""
    try:
        check_assignment(assignment)
    except AssignmentRejected as rejected:
        raise business_rule(rejected.message, (rejected.field,)) from None
    patient, nhs_number = await _locked_patient(tx, patient_id)
    assignments = tx.repository(AssignmentRepository)
    previous = await assignments.running(nhs_number, assignment.cover)
    at = max(now, assignment.start)
    if previous is not None:
        await end_assignment(tx, previous, at, handover_reason(assignment))
    await assignments.add(nhs_number, patient.id, assignment)
    await tx.grants.grant(
        nhs_number,
        "user",
        assignment.coordinator.sds_user_id,
        CARE_TEAM,
        valid_from=assignment.start,
        valid_to=assignment.end,
    )
    team = await care_team.rebuild(tx, nhs_number, now)
    if previous is not None:
        handover = provenance.handover(tx.principal, team, previous, assignment, at)
        await record_provenance(tx, nhs_number, handover, now)
    data = _assigned(team, assignment, previous)
    await announce_about_patient(tx, COORDINATOR_ASSIGNED, patient.id, nhs_number, **data)
    return team


async def lapse_ended_periods(tx: FhirTransaction, now: datetime) -> int:
    """End assignments whose period has run out (cover ends by itself); returns how many."""
    lapsed = await tx.repository(AssignmentRepository).lapsed(now)
    for record in lapsed:
        assert record.period_end is not None  # only bounded assignments lapse
        await end_assignment(tx, record, record.period_end, ended_reason(record))
    for nhs_number in sorted({record.patient_nhs for record in lapsed}):
        await care_team.rebuild(tx, nhs_number, now)
    return len(lapsed)
