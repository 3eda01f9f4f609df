"""Provenance: who contributed what to a patient's plan, and co-ordinator handovers.

DOMAIN.md: "every contribution records who made it". The author is the caller of
the write (their SDS user id and organisation), recorded by the service itself
whatever the caller's scopes, so a contributor cannot skip it. R4 Provenance has no
`patient` element, so the patient is a second `target` given by NHS number: that is
what the access rule filters on (see `api.resources`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from care_plans.domain.codes import EXT_TARGET_VERSION, LOCAL
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, ODS_SYSTEM, SDS_USER_SYSTEM
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.security import audit
from carecoord_shared.security.principal import Principal
from carecoord_shared.store import repository

CLIENT_SYSTEM = f"{LOCAL}/Id/client"
PATIENT_LOGIN_SYSTEM = f"{LOCAL}/Id/nhs-login-subject"
_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
_ACTIVITY = {"create": "CREATE", "update": "UPDATE", "delete": "DELETE"}


def author(principal: Principal) -> dict[str, Any]:
    system = {"staff": SDS_USER_SYSTEM, "system": CLIENT_SYSTEM}.get(
        principal.kind, PATIENT_LOGIN_SYSTEM
    )
    agent: dict[str, Any] = {
        "type": {"coding": [{"system": _PARTICIPANT, "code": "author"}]},
        "who": {"identifier": {"system": system, "value": principal.subject}},
    }
    if principal.organisation:
        agent["onBehalfOf"] = {
            "identifier": {"system": ODS_SYSTEM, "value": principal.organisation}
        }
    return agent


def patient_target(nhs_number: str) -> dict[str, Any]:
    return {"type": "Patient", "identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}}


async def record(
    conn: AsyncConnection,
    registry: FhirRegistry,
    principal: Principal,
    nhs_number: str,
    body: dict[str, Any],
) -> str:
    """Store a Provenance about the patient (audited); returns its reference."""
    definition = registry.get("Provenance")
    assert definition is not None
    body = {
        "resourceType": "Provenance",
        "recorded": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        **body,
    }
    body["target"] = [*body.get("target", []), patient_target(nhs_number)]
    stored = await repository.create(conn, definition, body)
    await audit.record(conn, principal, "C", stored.reference, [nhs_number])
    return stored.reference


async def record_contribution(
    conn: AsyncConnection,
    registry: FhirRegistry,
    principal: Principal,
    nhs_number: str,
    target: str,
    version_id: int,
    kind: str,
) -> str:
    """A contribution: `target` (unversioned, so `Provenance?target=CarePlan/x` finds every
    contribution; the kernel's reference index does not strip `_history`) at `version_id`."""
    version = {"url": EXT_TARGET_VERSION, "valueString": str(version_id)}
    return await record(
        conn,
        registry,
        principal,
        nhs_number,
        {
            "target": [{"reference": target, "extension": [version]}],
            "activity": {"coding": [{"system": _OPERATION, "code": _ACTIVITY[kind]}]},
            "agent": [author(principal)],
        },
    )
