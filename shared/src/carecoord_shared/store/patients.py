"""Which patient a resource is about, when it names them by `Patient/<id>`.

A resource about a patient must be tied to one (issue 13, finding 2): by NHS number,
or by a reference to a Patient this service can resolve — its own stored Patient, or
the register's Patient known from the registration events (`patient_link`, kept by
the registration projection). A body naming nobody, or only by display text, cannot
be tied to anyone and is refused by the unit of work when its type requires it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.db import kernel_metadata
from carecoord_shared.fhir.narrative import with_narrative
from carecoord_shared.fhir.outcome import JsonObject, business_rule
from carecoord_shared.fhir.registry import ResourceDefinition
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.indexing import evaluate, patient_nhs_of
from carecoord_shared.store.ownership import stamp_owner
from carecoord_shared.store.tables import resource
from carecoord_shared.store.upsert import upsert

__all__ = ["link_patient", "patient_link", "patient_of", "tied_patient"]

patient_link = sa.Table(
    "patient_link",
    kernel_metadata,
    sa.Column("patient_id", sa.Text, primary_key=True),
    sa.Column("patient_nhs", sa.Text, nullable=False),
)

_LINK = upsert(patient_link, "patient_id", ["patient_id", "patient_nhs"])


async def link_patient(conn: AsyncConnection, patient_id: str, patient_nhs: str) -> None:
    """Remember that the register's `Patient/<patient_id>` is this NHS number."""
    await conn.execute(_LINK, {"patient_id": patient_id, "patient_nhs": patient_nhs})


async def _resolve(conn: AsyncConnection, patient_id: str) -> str | None:
    stored = await conn.scalar(
        sa.select(resource.c.patient_nhs).where(
            resource.c.resource_type == "Patient", resource.c.id == patient_id
        )
    )
    if stored is not None:
        return str(stored)
    linked = await conn.scalar(
        sa.select(patient_link.c.patient_nhs).where(patient_link.c.patient_id == patient_id)
    )
    return None if linked is None else str(linked)


async def patient_of(
    conn: AsyncConnection, definition: ResourceDefinition, body: JsonObject
) -> str | None:
    """The NHS number of the patient `body` is about, or None if it names no one this
    service can resolve."""
    named = patient_nhs_of(definition, body)
    if named is not None or definition.patient_element is None:
        return named
    for reference in evaluate(f"{definition.patient_element}.reference", body):
        if isinstance(reference, str) and reference.startswith("Patient/"):
            found = await _resolve(conn, reference.removeprefix("Patient/").split("/")[0])
            if found is not None:
                return found
    return None


async def tied_patient(
    conn: AsyncConnection, principal: Principal, definition: ResourceDefinition, body: JsonObject
) -> str | None:
    """Ready a body for storing (its generated narrative where the type wants one, its
    owner's tag) and find the patient it is about; a type always about a patient that
    names no one this service can resolve is refused (422), never stored as no one's."""
    if definition.narrative:
        with_narrative(body)
    if definition.owned:
        await stamp_owner(conn, definition, principal, body)
    patient = await patient_of(conn, definition, body)
    if patient is None and definition.patient_required:
        where = definition.patient_element or definition.type
        known = "by NHS number or by a Patient this service knows"
        raise business_rule(f"A {definition.type} must name its patient {known}", (where,))
    return patient
