"""Paramedic advice lines: who to ring now, and the record of each call.

A paramedic with a patient in front of them asks for the advice lines of a specialty
in their locality at this moment and gets each open line's number and its on-call
specialists in ringing order (DOMAIN.md: ring each for ~20 s, then the next). The
call is then recorded (`advice_calls`).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from carecoord_shared.fhir.unit_of_work import FhirReads
from carecoord_shared.store.repository import StoredResource
from referrals.domain import vocabulary as v
from referrals.domain.rota import OnCall, covers, ringing_order
from referrals.fhir.advice import AdviceLine, ringing_rank, windows
from referrals.fhir.shapes import codes

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
