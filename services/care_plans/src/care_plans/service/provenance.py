"""Recording Provenance: who contributed what to a patient's plan, and handovers.

The service records it itself, whatever the caller's scopes, so a contributor cannot
skip it: Provenance is read-only over REST, and is written here in the caller's unit
of work by the service itself (`tx.as_service()`: the caller's relationship with the
patient, validation and audit still apply; their scopes do not decide).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from care_plans.fhir import provenance as shapes
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource


async def record(tx: FhirTransaction, nhs_number: str, body: dict[str, Any], now: datetime) -> str:
    """Store a Provenance about the patient; returns its reference."""
    with tx.as_service():
        stored, _ = await tx.create("Provenance", shapes.provenance(nhs_number, now, body))
    return stored.reference


async def record_contribution(
    tx: FhirTransaction, stored: StoredResource, created: bool, now: datetime
) -> None:
    """The write of `stored` by the unit of work's caller, as a contribution."""
    if stored.patient_nhs is None:
        return
    kind: shapes.ContributionKind = (
        "delete" if stored.deleted else "create" if created else "update"
    )
    body = shapes.contribution(tx.principal, stored.reference, stored.version_id, kind)
    await record(tx, stored.patient_nhs, body, now)
