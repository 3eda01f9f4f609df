"""What a paramedic sees in one call: co-ordinator, care plan, end of life, open requests.

Only a paramedic with an open advice call for this patient (the time-limited
'advice-call' grant that recording the call gives) may read it, and every read is
audited with that purpose. The co-ordinator and care plan come from this service's
projections of care_plans' events, so the summary answers while care_plans is down.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject, forbidden
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security import audit
from carecoord_shared.security.access import access_grant
from referrals.service.shapes import triage_state_of, ubrn_of
from referrals.store import projections


async def _open_advice_call(tx: FhirTransaction, nhs_number: str) -> bool:
    g = access_grant.c
    found = await tx.conn.scalar(
        sa.select(sa.func.count()).where(
            g.patient_nhs == nhs_number,
            g.party_kind == "user",
            g.party == tx.principal.subject,
            g.reason == "advice-call",
            g.valid_from <= sa.func.now(),
            sa.or_(g.valid_to.is_(None), g.valid_to > sa.func.now()),
        )
    )
    return bool(found)


async def paramedic_summary(tx: FhirTransaction, nhs_number: str) -> JsonObject:
    if tx.principal.role != "paramedic" or not await _open_advice_call(tx, nhs_number):
        raise forbidden("The summary is for a paramedic during an advice call about this patient")
    await audit.record(
        tx.conn,
        tx.principal,
        "R",
        f"Patient/{nhs_number}/$paramedic-summary",
        nhs_number,
        purpose="advice-call",
    )
    parameters: list[JsonObject] = [
        {"name": "patient", "valueIdentifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}}
    ]
    for row in await projections.coordinators_of(tx.conn, nhs_number):
        parameters.append(_coordinator(row))
    for row in await projections.care_plans_of(tx.conn, nhs_number):
        parameters.append(_care_plan(row))
    requests = await tx.search(
        "ServiceRequest",
        [
            ("patient:identifier", f"{NHS_NUMBER_SYSTEM}|{nhs_number}"),
            ("status", "active"),
            ("_count", "50"),
        ],
    )
    for request in requests.matches:
        body = request.as_json()
        parameters.append(
            {
                "name": "openRequest",
                "part": _parts(
                    reference={"valueReference": {"reference": request.reference}},
                    ubrn={"valueString": ubrn_of(body)},
                    triageState={"valueCode": triage_state_of(body)},
                    priority={"valueCode": body.get("priority")},
                ),
            }
        )
    return {"resourceType": "Parameters", "parameter": parameters}


def _parts(**values: dict[str, Any]) -> list[JsonObject]:
    """Parameter parts, leaving out the ones with no value."""
    return [
        {"name": name, **value}
        for name, value in values.items()
        if all(v is not None for v in value.values())
    ]


def _coordinator(row: Any) -> JsonObject:
    who = row.coordinator or {}
    return {
        "name": "coordinator",
        "part": _parts(
            kind={"valueCode": row.kind},
            name={"valueString": who.get("display")},
            phone={"valueString": who.get("phone")},
            cover={"valueBoolean": row.cover},
        ),
    }


def _care_plan(row: Any) -> JsonObject:
    eol = row.end_of_life or {}
    resuscitation = eol.get("resuscitation") or {}
    return {
        "name": "carePlan",
        "part": _parts(
            reference={"valueReference": {"reference": row.care_plan}},
            title={"valueString": row.title},
            status={"valueCode": row.status},
            nextReviewDue={"valueString": row.next_review_due},
            preferredPlaceOfCare={"valueString": eol.get("preferredPlaceOfCare")},
            preferredPlaceOfDeath={"valueString": eol.get("preferredPlaceOfDeath")},
            resuscitation={"valueString": resuscitation.get("decision")},
        ),
    }
