"""Recording Provenance: who contributed what to a patient's plan, and handovers.

The service records it itself, whatever the caller's scopes, so a contributor cannot
skip it: Provenance is read-only over REST, and is written here in the caller's unit
of work by the service itself (`tx.as_service()`: the caller's relationship with the
patient, validation and audit still apply; their scopes do not decide).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from care_plans.fhir import provenance as shapes
from carecoord_shared.fhir.gathering import Gathering
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.repository import StoredResource


async def record(tx: FhirTransaction, nhs_number: str, body: dict[str, Any], now: datetime) -> str:
    """Store a Provenance about the patient; returns its reference."""
    with tx.as_service():
        stored, _ = await tx.create("Provenance", shapes.provenance(nhs_number, now, body))
    return stored.reference


@dataclass(frozen=True, slots=True)
class _Contributor:
    """Who contributed one kind of change to one patient's record."""

    nhs_number: str
    kind: shapes.ContributionKind
    principal: Principal


Written = tuple[str, int, datetime]
"""A version a contributor wrote: its reference, version and when."""


async def _record_contributions(
    tx: FhirTransaction, _key: str, gathered: list[tuple[_Contributor, Written]]
) -> None:
    """One Provenance per patient, contributor and kind of change, every one of the
    unit of work's stored in one statement."""
    by_contributor: dict[_Contributor, list[Written]] = {}
    for who, written in gathered:
        by_contributor.setdefault(who, []).append(written)
    bodies = [
        shapes.provenance(
            who.nhs_number,
            written[0][2],
            shapes.contribution(who.principal, [(r, v) for r, v, _ in written], who.kind),
        )
        for who, written in by_contributor.items()
    ]
    with tx.as_service():
        await tx.create_many("Provenance", bodies, check="server_built")  # `fhir.provenance` shapes


CONTRIBUTIONS = Gathering("contributions", _record_contributions)


async def record_contribution(
    tx: FhirTransaction, stored: StoredResource, created: bool, now: datetime
) -> None:
    """The write of `stored` by the unit of work's caller, as a contribution: one
    Provenance per patient and kind of change for the whole unit of work (a run of
    events adding ten activities records them in one)."""
    if stored.patient_nhs is None:
        return
    kind: shapes.ContributionKind = (
        "delete" if stored.deleted else "create" if created else "update"
    )
    who = _Contributor(stored.patient_nhs, kind, tx.principal)
    tx.gather(CONTRIBUTIONS, "all", (who, (stored.reference, stored.version_id, now)))
