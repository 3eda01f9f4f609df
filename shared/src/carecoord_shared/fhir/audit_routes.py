"""The audit trail as FHIR: who looked at which record, for information governance and
for the patient themself.

Every access decision leaves an AuditEvent (`security.audit`); nobody could review them
without database access. This read-only API serves them: information governance staff
(role `information-governance`) search every AuditEvent of this service; a patient
sees who looked at their own record ("who looked at my record", shown by the front
door) and nothing else; everyone else is refused. Looking at the audit trail is itself
audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from carecoord_shared.fhir.http import fhir_response
from carecoord_shared.fhir.outcome import bad_request, forbidden, not_found
from carecoord_shared.fhir.parsing import GENERAL_PARAMETERS, whole_number
from carecoord_shared.security import audit
from carecoord_shared.security.audit import NHS_NUMBER, audit_event
from carecoord_shared.security.fastapi import CurrentPrincipal
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.indexing import date_range

__all__ = ["AUDIT_SEARCH_PARAMS", "router"]

AUDIT_SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("patient", "token", "The patient, by NHS number"),
    ("agent", "token", "Who acted (SDS user id, client id)"),
    ("date", "date", "When it was recorded (ge, gt, le, lt)"),
    ("action", "token", "C, R, U, D or E"),
    ("outcome", "token", "0 success, 4 refused, 8 failed"),
)
_PREFIXES = ("ge", "gt", "le", "lt")
_MAX_COUNT = 100

router = APIRouter(prefix="/fhir", tags=["audit"])


def _who_may(principal: Principal, patient: str | None) -> str | None:
    """The patient a caller is limited to (None: all), or 403."""
    if principal.role == "information-governance" and principal.allows("AuditEvent", "s"):
        return None
    if principal.kind == "patient" and principal.nhs_number:
        if patient not in (None, principal.nhs_number):
            raise forbidden("You can see who looked at your own record only")
        return principal.nhs_number
    raise forbidden("Only information governance staff and the patient may read the audit trail")


def _date_condition(raw: str) -> Any:
    prefix, text = (raw[:2], raw[2:]) if raw[:2] in _PREFIXES else ("eq", raw)
    span = date_range(text)
    if span is None:
        raise bad_request(f"'{raw[:40]}' is not a FHIR date", ("date",), "value")
    recorded = audit_event.c.recorded
    return {
        "ge": recorded >= span[0],
        "gt": recorded >= span[1],
        "le": recorded < span[1],
        "lt": recorded < span[0],
        "eq": sa.and_(recorded >= span[0], recorded < span[1]),
    }[prefix]


def _conditions(items: Sequence[tuple[str, str]]) -> tuple[list[Any], str | None, int]:
    conditions: list[Any] = []
    patient, count = None, 50
    columns = {"agent": audit_event.c.subject, "action": audit_event.c.action}
    for name, raw in items:
        value = raw.rpartition("|")[2]
        if name == "patient":
            if raw.count("|") and raw.rpartition("|")[0] != NHS_NUMBER:
                raise bad_request("patient is searched by NHS number", ("patient",))
            patient = value
        elif name in columns:
            conditions.append(columns[name] == value)
        elif name == "outcome":
            conditions.append(audit_event.c.outcome == value)
        elif name == "date":
            conditions.append(_date_condition(raw))
        elif name == "_count":
            count = min(whole_number(raw, "_count"), _MAX_COUNT)
        elif name not in GENERAL_PARAMETERS:
            raise bad_request(
                f"Unknown search parameter '{name[:40]}' for AuditEvent", (name[:40],)
            )
    return conditions, patient, count


def _bundle(base: str, contents: Sequence[bytes]) -> bytes:
    parts = [
        b'{"fullUrl":"' + base.encode() + b"/AuditEvent/" + _id_of(c) + b'","resource":' + c + b"}"
        for c in contents
    ]
    head = b'{"resourceType":"Bundle","type":"searchset","total":' + str(len(parts)).encode()
    return head + b',"entry":[' + b",".join(parts) + b"]}"


def _id_of(content: bytes) -> bytes:
    start = content.index(b'"id":"') + 6
    return content[start : content.index(b'"', start)]


@router.get("/AuditEvent", summary="Search the audit trail (information governance, patients)")
async def search_audit(request: Request, principal: CurrentPrincipal) -> Response:
    items = parse_qsl(request.url.query, keep_blank_values=True)
    conditions, patient, count = _conditions(items)
    patient = _who_may(principal, patient) or patient
    if patient is not None:
        conditions.append(audit_event.c.patient_nhs == patient)
    query = (
        sa.select(audit_event.c.content)
        .where(*conditions)
        .order_by(audit_event.c.recorded.desc())
        .limit(count)
    )
    async with request.app.state.engine.begin() as conn:
        contents = list((await conn.scalars(query)).all())
        await audit.record(conn, principal, "E", f"AuditEvent?{request.url.query}"[:500], patient)
    base = str(request.app.state.settings.fhir_base)
    return fhir_response(_bundle(base, contents))


@router.get("/AuditEvent/{event_id}", summary="One AuditEvent")
async def read_audit(request: Request, event_id: str, principal: CurrentPrincipal) -> Response:
    limited_to = _who_may(principal, None)
    async with request.app.state.engine.begin() as conn:
        row = (
            await conn.execute(
                sa.select(audit_event.c.content, audit_event.c.patient_nhs).where(
                    sa.cast(audit_event.c.id, sa.Text) == event_id
                )
            )
        ).first()
        if row is None or (limited_to is not None and row.patient_nhs != limited_to):
            raise not_found("AuditEvent", event_id[:64])
        await audit.record(conn, principal, "R", f"AuditEvent/{event_id}"[:200], row.patient_nhs)
    return fhir_response(row.content)
