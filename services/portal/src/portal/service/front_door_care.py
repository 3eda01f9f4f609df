"""Keeping the front door's read model of each patient's care from care_plans' events.

A named co-ordinator and their cover arrive as `coordinator.assigned` (with `cover`
saying which) and leave as `coordinator.ended`; plans as `careplan.revised`. The
portal keeps only what a patient's own page and care-plan-aware routing need.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.events import Event
from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal
from portal.store.front_door import PatientCare, PatientCareRecord

__all__ = [
    "coordinator_assigned",
    "coordinator_ended",
    "own_care",
    "own_nhs_number",
    "plan_revised",
]


def _nhs(event: Event) -> str:
    return str(event.data.get("nhsNumber") or event.key)


def _person(data: Any, kind: object = None) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        return None
    return {
        "reference": data.get("reference"),
        "display": data.get("display"),
        "phone": data.get("phone"),
        "kind": kind,
    }


async def plan_revised(tx: FhirTransaction, event: Event) -> None:
    await tx.repository(PatientCare).plan_revised(_nhs(event), event.data, event.time)


async def coordinator_assigned(tx: FhirTransaction, event: Event) -> None:
    care = tx.repository(PatientCare)
    nhs = _nhs(event)
    current = await care.get(nhs)
    person = _person(event.data.get("coordinator"), event.data.get("kind"))
    coordinator = current.coordinator if current else None
    cover = current.cover if current else None
    if event.data.get("cover"):
        cover = person
    else:
        coordinator = person
    await care.coordinator_changed(nhs, coordinator, cover, event.time)


async def coordinator_ended(tx: FhirTransaction, event: Event) -> None:
    care = tx.repository(PatientCare)
    nhs = _nhs(event)
    current = await care.get(nhs)
    if current is None:
        return
    ended = (event.data.get("coordinator") or {}).get("reference")
    coordinator, cover = current.coordinator, current.cover
    if coordinator and coordinator.get("reference") == ended:
        coordinator = None
    if cover and cover.get("reference") == ended:
        cover = None
    await care.coordinator_changed(nhs, coordinator, cover, event.time)


def own_nhs_number(patient: Principal) -> str:
    """The NHS number of a patient reading their own records (ValueError for anyone else)."""
    if patient.kind != "patient" or patient.nhs_number is None:
        raise ValueError("only a patient reads their own records")
    return patient.nhs_number


async def own_care(fhir: FhirInteractions, patient: Principal) -> PatientCareRecord | None:
    """The signed-in patient's own care from the read model (never anyone else's; audited)."""
    nhs = own_nhs_number(patient)
    async with fhir.reads(patient) as tx:
        care = await tx.repository(PatientCare).get(nhs)
        await tx.record_access("R", "front-door/patient-care", [nhs])
    return care
