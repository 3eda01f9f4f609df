"""Assigning named co-ordinators and cover, handing over, and letting cover lapse.

One unit of work per assignment: the patient's row is locked first, so concurrent
assignments for one patient run one after another (and the partial unique index is
the backstop); the old assignment ends, the new one starts, the CareTeam and
EpisodeOfCare are rebuilt, the handover is recorded as Provenance, the co-ordinator's
'care-team' access grant moves, and both events go to the outbox, all in one commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from care_plans.domain.coordination import (
    Assignment,
    AssignmentRejected,
    check_assignment,
    handover_reason,
)
from care_plans.service import care_team
from care_plans.service.announce import COORDINATOR_ASSIGNED, COORDINATOR_ENDED, announce
from care_plans.service.provenance import author
from care_plans.service.provenance import record as record_provenance
from care_plans.store import coordination as store
from carecoord_shared.fhir.outcome import business_rule
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security import access

_HANDOVER = "https://carecoord.example/fhir/CodeSystem/coordination-activity"


def coordinator_of(row: Any) -> dict[str, Any]:
    return {
        "reference": row.coordinator_ref,
        "display": row.display,
        "sdsUserId": row.sds_user_id,
        "phone": row.phone,
    }


async def end_assignment(
    tx: FhirTransaction, row: Any, at: datetime, reason: str, topic: str, team: str | None
) -> None:
    """End one running assignment: its row, its access grant, and the `ended` event."""
    await store.end(tx.conn, row.id, at, reason)
    if not await store.holds_running(tx.conn, row.patient_nhs, row.sds_user_id):
        await access.end_grant(
            tx.conn, row.patient_nhs, "user", row.sds_user_id, "care-team", at=at
        )
    await announce(
        tx.conn,
        topic,
        COORDINATOR_ENDED,
        subject=f"Patient/{row.patient_id}",
        nhs_number=row.patient_nhs,
        data={
            "patient": f"Patient/{row.patient_id}",
            "careTeam": team,
            "coordinator": coordinator_of(row),
            "kind": row.kind,
            "reason": reason,
        },
    )


async def _record_handover(
    tx: FhirTransaction, nhs_number: str, team: str, previous: Any, new: Assignment, at: datetime
) -> None:
    await record_provenance(
        tx.conn,
        tx.registry,
        tx.principal,
        nhs_number,
        {
            "target": [{"reference": team}],
            "occurredDateTime": at.isoformat().replace("+00:00", "Z"),
            "activity": {"coding": [{"system": _HANDOVER, "code": "handover"}]},
            "reason": [{"text": new.reason.strip()[:200]}],
            "agent": [
                author(tx.principal),
                {"role": [{"text": "to"}], "who": {"reference": new.coordinator.reference}},
            ],
            "entity": [{"role": "source", "what": {"reference": previous.coordinator_ref}}],
        },
    )


def _assigned(patient_id: str, team: str, new: Assignment, previous: Any) -> dict[str, Any]:
    """The data of `coordinator.assigned` (docs/EVENTS.md)."""
    return {
        "patient": f"Patient/{patient_id}",
        "careTeam": team,
        "coordinator": new.coordinator.as_event(),
        "kind": new.kind,
        "cover": new.cover,
        "period": {
            "start": new.start.isoformat(),
            "end": new.end.isoformat() if new.end else None,
        },
        "previous": coordinator_of(previous) if previous is not None else None,
    }


async def assign_coordinator(
    tx: FhirTransaction, patient_id: str, assignment: Assignment, topic: str
) -> dict[str, Any]:
    """Make `assignment` the patient's co-ordinator (or cover); returns the event data."""
    try:
        check_assignment(assignment)
    except AssignmentRejected as rejected:
        raise business_rule(rejected.message, (rejected.field,)) from None
    patient = await tx.read("Patient", patient_id, lock=True)
    nhs_number = patient.patient_nhs
    if nhs_number is None:
        raise business_rule("The patient has no NHS number", ("Patient.identifier",))
    now = datetime.now(UTC)
    previous = await store.running(tx.conn, nhs_number, assignment.cover)
    at = max(now, assignment.start)
    if previous is not None:
        known = await store.team_of(tx.conn, nhs_number)
        await end_assignment(tx, previous, at, handover_reason(assignment), topic, known)
    await store.add(tx.conn, nhs_number, patient.id, assignment)
    who = assignment.coordinator
    await access.grant(
        tx.conn,
        nhs_number,
        "user",
        who.sds_user_id,
        "care-team",
        valid_from=assignment.start,
        valid_to=assignment.end,
    )
    team = await care_team.rebuild(tx, nhs_number, now)
    if previous is not None:
        await _record_handover(tx, nhs_number, team, previous, assignment, at)
    data = _assigned(patient.id, team, assignment, previous)
    subject = str(data["patient"])
    await announce(
        tx.conn, topic, COORDINATOR_ASSIGNED, subject=subject, nhs_number=nhs_number, data=data
    )
    return data


async def lapse_ended_periods(tx: FhirTransaction, topic: str) -> int:
    """End assignments whose period has run out (cover ends by itself); returns how many."""
    now = datetime.now(UTC)
    lapsed = await store.lapsed(tx.conn, now)
    for row in lapsed:
        reason = "cover period ended" if row.cover else "assignment period ended"
        known = await store.team_of(tx.conn, row.patient_nhs)
        await end_assignment(tx, row, row.period_end, reason, topic, known)
    for nhs_number in sorted({row.patient_nhs for row in lapsed}):
        await care_team.rebuild(tx, nhs_number, now)
    return len(lapsed)
