"""Paramedic advice lines: who to ring now, and the record of each call.

A paramedic with a patient in front of them asks for the advice lines of a specialty
in their locality at this moment and gets each open line's number and its on-call
specialists in ringing order (DOMAIN.md: ring each for ~20 s, then the next). The
call is then recorded as a Communication (medium phone) with its outcome; recording
it opens the paramedic's time-limited access to the patient ('advice-call' grant),
which is what lets them read the paramedic summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject, business_rule, forbidden
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security import access
from carecoord_shared.store.repository import StoredResource
from referrals.domain import vocabulary as v
from referrals.domain.rota import OnCall, Window, covers, ringing_order
from referrals.service import announce
from referrals.service.context import Referrals
from referrals.service.shapes import codes, concept, instant
from referrals.store.tables import advice_call

LONDON = ZoneInfo("Europe/London")
ADVICE_CALL_RECORDED = "carecoord.advice-call.recorded.v1"


@dataclass(frozen=True, slots=True)
class AdviceLine:
    service: StoredResource
    on_call: list[StoredResource]


@dataclass(frozen=True, slots=True)
class RecordCall:
    line_id: str
    nhs_number: str
    outcome: str
    note: str | None
    follow_up: bool
    locality: str | None


def windows(resource: JsonObject) -> tuple[Window, ...]:
    """FHIR `availableTime` as rota windows."""
    found = []
    for slot in resource.get("availableTime", []):
        start, end = slot.get("availableStartTime"), slot.get("availableEndTime")
        found.append(
            Window(
                frozenset(slot.get("daysOfWeek", [])),
                datetime.strptime(start, "%H:%M:%S").time() if start else None,
                datetime.strptime(end, "%H:%M:%S").time() if end else None,
                bool(slot.get("allDay")),
            )
        )
    return tuple(found)


def _rank(role: JsonObject) -> int:
    for extension in role.get("extension", []):
        if extension.get("url") == v.RINGING_ORDER:
            return int(extension.get("valuePositiveInt", 99))
    return 99


async def _roles_of(tx: FhirTransaction, line: StoredResource) -> list[StoredResource]:
    queries = [[("service", line.reference)]]
    for identifier in line.as_json().get("identifier", []):
        queries.append([("service:identifier", f"{identifier['system']}|{identifier['value']}")])
    found: dict[str, StoredResource] = {}
    for query in queries:
        result = await tx.search("PractitionerRole", [*query, ("_count", "100")])
        found.update((r.id, r) for r in result.matches if r.as_json().get("active", True))
    return list(found.values())


async def advice_lines(
    tx: FhirTransaction, specialty: str, locality: str | None, at: datetime
) -> list[AdviceLine]:
    local = at.astimezone(LONDON)
    lines = await tx.search(
        "HealthcareService",
        [
            ("service-type", f"{v.SERVICE_TYPE}|{v.ADVICE_LINE}"),
            ("specialty", specialty),
            ("active", "true"),
            ("_count", "100"),
            ("_sort", "_id"),
        ],
    )
    answer = []
    for line in lines.matches:
        body = line.as_json()
        served = codes(body.get("characteristic"), v.SERVES_LOCALITY)
        hours = windows(body)
        if (served and locality not in served) or (
            hours and not any(covers(w, local) for w in hours)
        ):
            continue
        roles = {r.id: r for r in await _roles_of(tx, line)}
        rota = [OnCall(r.id, _rank(r.as_json()), windows(r.as_json())) for r in roles.values()]
        answer.append(AdviceLine(line, [roles[c.key] for c in ringing_order(rota, local)]))
    return answer


async def record_call(tx: FhirTransaction, ctx: Referrals, command: RecordCall) -> StoredResource:
    if tx.principal.role != "paramedic":
        raise forbidden("Only paramedics record advice-line calls")
    line = await tx.read("HealthcareService", command.line_id)
    if v.ADVICE_LINE not in codes(line.as_json().get("type"), v.SERVICE_TYPE):
        raise business_rule(f"{line.reference} is not an advice line")
    now = ctx.now()
    await access.grant(
        tx.conn,
        command.nhs_number,
        "user",
        tx.principal.subject,
        "advice-call",
        valid_to=datetime.now(LONDON) + timedelta(minutes=ctx.advice_call_minutes),
    )
    communication, _ = await tx.create(
        "Communication", _call(command, line, tx.principal.subject, now)
    )
    await tx.conn.execute(
        insert(advice_call).values(
            communication=communication.reference,
            advice_line=line.reference,
            locality=command.locality,
            outcome=command.outcome,
            nhs_number=command.nhs_number,
            paramedic=tx.principal.subject,
            at=now,
        )
    )
    await announce.announce(
        tx.conn,
        ctx.topic,
        ADVICE_CALL_RECORDED,
        communication.reference,
        command.nhs_number,
        {
            "communication": communication.reference,
            "adviceLine": line.reference,
            "outcome": command.outcome,
            "followUpNeeded": command.follow_up,
            "locality": command.locality,
        },
    )
    return communication


def _call(command: RecordCall, line: StoredResource, paramedic: str, now: datetime) -> JsonObject:
    body: JsonObject = {
        "resourceType": "Communication",
        "status": "completed",
        "category": [concept(v.COMMUNICATION_CATEGORY, v.ADVICE_CALL)],
        "medium": [concept(v.PHONE_MODE, "PHONE")],
        "subject": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": command.nhs_number}},
        "recipient": [{"reference": line.reference}],
        "sender": {"display": f"Paramedic {paramedic[:64]}"},
        "sent": instant(now),
        "extension": [
            {"url": v.ADVICE_CALL_OUTCOME, "valueCode": command.outcome},
            {"url": v.FOLLOW_UP_NEEDED, "valueBoolean": command.follow_up},
        ],
    }
    if command.note:
        body["payload"] = [{"contentString": command.note}]
    return body
