"""The audit trail: who touched which patient's data, what they did, why, and in which request.

Every read or write of patient data must leave an AuditEvent (architecture, "Security
model"). `record` inserts into `audit_event` on the caller's connection, inside the
caller's transaction, so a data change and its audit row commit or roll back together:
if the audit write fails, the data write fails too. A search is recorded once with every
patient it returned, one row per patient, in a single executemany insert. Each row keeps
the searchable columns and the FHIR R4 AuditEvent as JSON bytes (`content`), built by
`audit_event_resource`, so the portal can serve AuditEvents without re-deriving them.
"""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    LargeBinary,
    RowMapping,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.db import kernel_metadata
from carecoord_shared.fhir.narrative import with_narrative
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.logging import current_correlation_id
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.columns import columns

__all__ = ["AuditAction", "AuditOutcome", "audit_event", "audit_event_resource", "record"]
__all__ += ["write_rows"]

AuditAction = Literal["C", "R", "U", "D", "E"]
AuditOutcome = Literal["0", "4", "8"]
"""FHIR AuditEvent outcome: 0 success, 4 minor failure (refused), 8 serious failure."""

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
SDS_USER_ID = "https://fhir.nhs.uk/Id/sds-user-id"
ODS_CODE = "https://fhir.nhs.uk/Id/ods-organization-code"
_ENTITY_MAX = 4096
_NHS = re.compile(r"[0-9]{10}")
_MARK = secrets.token_hex(8)
_ID_MARK = f"audit-id-{_MARK}"
_PATIENT_MARK = f"audit-patient-{_MARK}"
"""Stand-ins for a row's id and NHS number in a shared AuditEvent template: nothing in
them is escaped in JSON or XHTML, and no caller can guess them."""
_REFERENCE = re.compile(r"[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}(/_history/[A-Za-z0-9\-.]{1,64})?")

audit_event = Table(
    "audit_event",
    kernel_metadata,
    Column("id", Uuid, primary_key=True),
    Column("recorded", DateTime(timezone=True), nullable=False),
    *columns(Text, "action", "outcome", "subject", "role"),
    *columns(Text, "organisation", "patient_nhs", nullable=True),
    Column("entity", Text, nullable=False),
    Column("purpose", Text, nullable=True),
    Column("correlation_id", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),
    CheckConstraint("action in ('C', 'R', 'U', 'D', 'E')", name="ck_audit_event_action"),
    CheckConstraint("outcome in ('0', '4', '8')", name="ck_audit_event_outcome"),
    Index("ix_audit_event_patient_nhs_recorded", "patient_nhs", "recorded"),
    Index("ix_audit_event_subject_recorded", "subject", "recorded"),
    Index("ix_audit_event_correlation_id", "correlation_id"),
)


Patients = str | Sequence[str] | None


async def record(
    conn: AsyncConnection,
    principal: Principal,
    action: AuditAction,
    entity: str,
    patient_nhs: Patients,
    outcome: AuditOutcome = "0",
    purpose: str | None = None,
) -> list[uuid.UUID]:
    """Write one audit row per patient (one row without a patient if there is none).

    Runs on `conn` in the caller's transaction; returns the new AuditEvent ids."""
    trail = AuditTrail(principal)
    ids = trail.add(action, entity, patient_nhs, outcome, purpose)
    await trail.write(conn)
    return ids


@dataclass(frozen=True, slots=True)
class Refusal:
    """An access refused (audited with outcome 4 even when its unit of work rolls back)."""

    action: AuditAction
    entity: str
    patient_nhs: str | None


class AuditTrail:
    """The accesses one unit of work made, written together (one statement) when it
    finishes, in its transaction: it commits, and answers, only once they are durable."""

    def __init__(self, principal: Principal) -> None:
        self._principal = principal
        self._rows: list[dict[str, Any]] = []

    def add(
        self,
        action: AuditAction,
        entity: str,
        patients: Patients,
        outcome: AuditOutcome = "0",
        purpose: str | None = None,
    ) -> list[uuid.UUID]:
        """One access: a row per patient (one without a patient if none); the rows' ids."""
        if isinstance(patients, str) or patients is None:
            named: list[str | None] = [patients]
        else:
            named = list(dict.fromkeys(patients)) or [None]
        principal = self._principal
        common: dict[str, Any] = {
            "recorded": datetime.now(UTC),
            "action": action,
            "outcome": outcome,
            "subject": principal.subject,
            "role": principal.role,
            "organisation": principal.organisation,
            "entity": entity[:_ENTITY_MAX],
            "purpose": purpose,
            "correlation_id": current_correlation_id(),
        }
        contents = _contents(common, named)
        ids = []
        for patient, (row_id, content) in zip(named, contents, strict=True):
            self._rows.append({**common, "id": row_id, "patient_nhs": patient, "content": content})
            ids.append(row_id)
        return ids

    def take(self) -> list[dict[str, Any]]:
        """The rows added so far, for someone else to write (see `audit_group`)."""
        rows, self._rows = self._rows, []
        return rows

    async def write(self, conn: AsyncConnection) -> None:
        """Insert every row added so far in one statement."""
        await write_rows(conn, self.take())


async def write_rows(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert audit rows (`AuditTrail.take`'s) in one statement."""
    if rows:
        await conn.execute(audit_event.insert(), list(rows))


def _contents(
    common: Mapping[str, Any], patients: Sequence[str | None]
) -> list[tuple[uuid.UUID, bytes]]:
    """Each row's id and AuditEvent bytes. The rows of one access differ only in id and
    patient, so with several NHS numbers the event is built once with marks in their
    places and the marks replaced (a search of 20 patients builds one narrative, not 20);
    the bytes are exactly those `audit_event_resource` gives each row."""
    ids = [uuid.uuid4() for _ in patients]
    if len(patients) > 1 and all(p is not None and _NHS.fullmatch(p) for p in patients):
        marked = {**common, "id": _ID_MARK, "patient_nhs": _PATIENT_MARK}
        template = orjson.dumps(audit_event_resource(marked))
        if template.count(_ID_MARK.encode()) == 1 and template.count(_PATIENT_MARK.encode()) == 2:
            return [
                (
                    i,
                    template.replace(_ID_MARK.encode(), str(i).encode()).replace(
                        _PATIENT_MARK.encode(), str(p).encode()
                    ),
                )
                for i, p in zip(ids, patients, strict=True)
            ]
    return [
        (i, orjson.dumps(audit_event_resource({**common, "id": i, "patient_nhs": p})))
        for i, p in zip(ids, patients, strict=True)
    ]


def audit_event_resource(row: RowMapping | Mapping[str, Any]) -> JsonObject:
    """The FHIR R4 AuditEvent for one `audit_event` row (or the dict `record` builds)."""
    recorded: datetime = row["recorded"]
    resource: JsonObject = {
        "resourceType": "AuditEvent",
        "id": str(row["id"]),
        "type": {
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
            "display": "RESTful Operation",
        },
        "action": row["action"],
        "recorded": recorded.isoformat(),
        "outcome": row["outcome"],
        "agent": _agents(row),
        "source": {
            "observer": {"display": "CareCoord"},
            "type": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
                    "code": "4",
                    "display": "Application Server",
                }
            ],
        },
        "entity": _entities(row["entity"], row["patient_nhs"], row["correlation_id"]),
    }
    if row["purpose"]:
        resource["purposeOfEvent"] = [_purpose(row["purpose"])]
    return with_narrative(resource)  # who did what, for the people who review access (dom-6)


def _agents(row: RowMapping | Mapping[str, Any]) -> list[JsonObject]:
    role = row["role"]
    who: JsonObject = {"identifier": {"value": row["subject"]}}
    if role not in ("patient", "system"):
        who["identifier"]["system"] = SDS_USER_ID
    agents: list[JsonObject] = [
        {
            "type": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/extra-security-role-type",
                        "code": "dataprocessor" if role == "system" else "humanuser",
                    }
                ]
            },
            "role": [{"text": role}],
            "who": who,
            "requestor": True,
        }
    ]
    if row["organisation"]:
        agents.append(
            {
                "who": {"identifier": {"system": ODS_CODE, "value": row["organisation"]}},
                "requestor": False,
            }
        )
    return agents


def _entities(entity: str, patient_nhs: str | None, correlation_id: str) -> list[JsonObject]:
    if _REFERENCE.fullmatch(entity):
        what: JsonObject = {"what": {"reference": entity}}
    elif "?" in entity or "=" in entity:
        what = {"query": base64.b64encode(entity.encode()).decode("ascii")}
    else:
        what = {"name": entity}
    # R4 has no element for a correlation id; entity.detail carries it without an extension.
    what["detail"] = [{"type": "correlation-id", "valueString": correlation_id}]
    entities = [what]
    if patient_nhs is not None:
        entities.append(
            {
                "what": {"identifier": {"system": NHS_NUMBER, "value": patient_nhs}},
                "type": {
                    "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                    "code": "1",
                    "display": "Person",
                },
                "role": {
                    "system": "http://terminology.hl7.org/CodeSystem/object-role",
                    "code": "1",
                    "display": "Patient",
                },
            }
        )
    return entities


def _purpose(purpose: str) -> JsonObject:
    concept: JsonObject = {"text": purpose}
    if purpose.startswith("break-glass"):
        concept["coding"] = [
            {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                "code": "BTG",
                "display": "break the glass",
            }
        ]
    return concept
