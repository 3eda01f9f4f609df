"""The patient register's part in who may see whom, here and in other services.

A patient's registered practice (Patient.generalPractitioner, by ODS code) is the
first care relationship (DOMAIN.md: "the registered GP is the lead co-ordinator").
When a Patient is created or changes practice, this hook (run inside the write's
transaction) moves the practice's access grant in this service and announces the
registration, so other services keep the same relationship in their own projection.
"""

from __future__ import annotations

from carecoord_shared.events import announce as announce_patient_event
from carecoord_shared.fhir.identifiers import ODS_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.registry import Change, WriteContext
from carecoord_shared.security import access

SOURCE = "urn:carecoord:care-plans"
REGISTERED = "carecoord.patient.registered.v1"


def registered_practice(patient: JsonObject | None) -> str | None:
    for reference in (patient or {}).get("generalPractitioner", []):
        identifier = reference.get("identifier") or {}
        if identifier.get("system") == ODS_SYSTEM and identifier.get("value"):
            return str(identifier["value"])
    return None


async def record_registration(context: WriteContext, change: Change, *, topic: str) -> None:
    practice = registered_practice(change.resource)
    previous = registered_practice(change.previous)
    if change.patient_nhs is None or (practice == previous and change.kind != "create"):
        return
    if previous and previous != practice:
        await access.end_grant(
            context.conn,
            patient_nhs=change.patient_nhs,
            party_kind="organisation",
            party=previous,
            reason="registered-practice",
        )
    if practice:
        await access.grant(
            context.conn,
            patient_nhs=change.patient_nhs,
            party_kind="organisation",
            party=practice,
            reason="registered-practice",
        )
    await announce_patient_event(
        context.conn,
        topic,
        REGISTERED,
        source=SOURCE,
        subject=f"Patient/{change.id}",
        nhs_number=change.patient_nhs,
        data={
            "patient": f"Patient/{change.id}",
            "practice": practice,
            "previousPractice": previous,
        },
    )
