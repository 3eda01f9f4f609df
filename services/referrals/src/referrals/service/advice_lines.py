"""Paramedic advice lines: who to ring now, and the record of each call.

A paramedic with a patient in front of them asks for the advice lines of a specialty
in their locality at this moment and gets each open line's number and its on-call
specialists in ringing order (DOMAIN.md: ring each for ~20 s, then the next). The
call is then recorded as a Communication (medium phone) with its outcome; recording
it opens the paramedic's time-limited access to the patient ('advice-call' grant),
which is what lets them read the paramedic summary.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from carecoord_shared.fhir.outcome import business_rule, forbidden
from carecoord_shared.fhir.unit_of_work import FhirReads, FhirTransaction
from carecoord_shared.store.repository import StoredResource
from referrals.domain import vocabulary as v
from referrals.domain.records import AdviceCall
from referrals.domain.rota import OnCall, covers, ringing_order
from referrals.fhir.advice import AdviceLine, CallRecord, call_communication, ringing_rank, windows
from referrals.fhir.shapes import codes
from referrals.service import announce
from referrals.service.context import Referrals
from referrals.store.advice_calls import AdviceCalls

LONDON = ZoneInfo("Europe/London")


async def _roles_of(tx: FhirReads, line: StoredResource) -> list[StoredResource]:
    queries = [[("service", line.reference)]]
    for identifier in line.as_json().get("identifier", []):
        queries.append([("service:identifier", f"{identifier['system']}|{identifier['value']}")])
    found: dict[str, StoredResource] = {}
    for query in queries:
        result = await tx.search("PractitionerRole", [*query, ("_count", "100")])
        found.update((r.id, r) for r in result.matches if r.as_json().get("active", True))
    return list(found.values())


async def advice_lines(
    tx: FhirReads, specialty: str, locality: str | None, at: datetime
) -> list[AdviceLine]:
    local = at.astimezone(LONDON)
    lines = await tx.search(
        "HealthcareService",
        [
            ("service-type", f"{v.SERVICE_TYPE}|{v.ADVICE_LINE}"),
            ("specialty", specialty),
            ("active", "true"),
            ("_count", "100"),
        ],
    )
    answer = []
    for line in sorted(lines.matches, key=lambda found: found.id):
        body = line.as_json()
        served = codes(body.get("characteristic"), v.SERVES_LOCALITY)
        hours = windows(body)
        if (served and locality not in served) or (
            hours and not any(covers(w, local) for w in hours)
        ):
            continue
        roles = {r.id: r for r in await _roles_of(tx, line)}
        rota = [
            OnCall(r.id, ringing_rank(r.as_json()), windows(r.as_json())) for r in roles.values()
        ]
        answer.append(AdviceLine(line, [roles[c.key] for c in ringing_order(rota, local)]))
    return answer


async def record_call(tx: FhirTransaction, ctx: Referrals, command: CallRecord) -> StoredResource:
    """The call as a Communication, counted for the line, announced, and the paramedic's
    access to the patient for the next `advice_call_minutes`."""
    if tx.principal.role != "paramedic":
        raise forbidden("Only paramedics record advice-line calls")
    line = await tx.read("HealthcareService", command.line_id)
    if v.ADVICE_LINE not in codes(line.as_json().get("type"), v.SERVICE_TYPE):
        raise business_rule(f"{line.reference} is not an advice line")
    now, paramedic = ctx.now(), tx.principal.subject
    await tx.grants.grant(
        command.nhs_number,
        "user",
        paramedic,
        v.ADVICE_CALL_ACCESS,
        valid_to=datetime.now(LONDON) + timedelta(minutes=ctx.advice_call_minutes),
    )
    communication, _ = await tx.create(
        "Communication", call_communication(command, line, paramedic, now)
    )
    await tx.repository(AdviceCalls).record(
        AdviceCall(
            communication.reference,
            line.reference,
            command.locality,
            command.outcome,
            command.nhs_number,
            paramedic,
            now,
        )
    )
    await tx.outbox.announce(
        announce.ADVICE_CALL_RECORDED,
        subject=communication.reference,
        nhs_number=command.nhs_number,
        data={
            "communication": communication.reference,
            "adviceLine": line.reference,
            "outcome": command.outcome,
            "followUpNeeded": command.follow_up,
            "locality": command.locality,
        },
    )
    return communication
