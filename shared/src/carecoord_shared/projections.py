"""Projections several services declare rather than write: who may see a patient.

A registration announced by the register ("this patient is registered at that
practice, previously at this one") becomes, in every service that keeps its own
access grants, the practice's grant for the reason the service names. The event's
fields are the register's contract (`docs/EVENTS.md`); the reason is the service's.
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import EventHandler

__all__ = ["registration_grants_access"]


def registration_grants_access(
    reason: str, *, party: str = "practice", previous_party: str = "previousPractice"
) -> EventHandler:
    """A consumer that moves the registered organisation's grant for `reason`, and
    remembers the register's id of the patient (so `Patient/<id>` references resolve)."""

    async def handle(tx: FhirTransaction, event: Event, _context: object) -> None:
        nhs_number = str(event.data["nhsNumber"])
        current, previous = event.data.get(party), event.data.get(previous_party)
        patient = str(event.data.get("patient") or "")
        if patient.startswith("Patient/"):
            await tx.link_patient(patient.removeprefix("Patient/"), nhs_number)
        if previous and previous != current:
            await tx.grants.end(nhs_number, "organisation", str(previous), reason)
        if current:
            await tx.grants.grant(nhs_number, "organisation", str(current), reason)

    return handle
