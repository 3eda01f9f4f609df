"""Operation outputs made of parts: the triage history and the paramedic summary.

A typed operation renders flat outputs itself; these two answer with repeating
parameters that each carry parts (one transition, one co-ordinator, one open
request), built here from the service's records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.store.repository import StoredResource
from referrals.domain.records import CarePlanSummary, Coordinator, Transition
from referrals.fhir.shapes import instant, triage_state_of, ubrn_of


def _parts(**values: dict[str, Any]) -> list[JsonObject]:
    """Parameter parts, leaving out the ones with no value."""
    return [
        {"name": name, **value}
        for name, value in values.items()
        if all(v is not None for v in value.values())
    ]


def parameters(parameter: Sequence[JsonObject]) -> JsonObject:
    return {"resourceType": "Parameters", "parameter": list(parameter)}


def transition(step: Transition) -> JsonObject:
    parts = _parts(
        outcome={"valueCode": step.outcome},
        **{"from": {"valueCode": step.from_state}},
        to={"valueCode": step.to_state},
        who={"valueString": step.actor},
        role={"valueCode": step.actor_role},
        when={"valueDateTime": instant(step.at)},
        task={"valueReference": {"reference": step.task}},
        organisation={"valueString": step.actor_organisation},
        reason={"valueCode": step.reason},
    )
    return {"name": "transition", "part": parts}


def patient(nhs_number: str) -> JsonObject:
    return {
        "name": "patient",
        "valueIdentifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number},
    }


def coordinator(found: Coordinator) -> JsonObject:
    who = found.coordinator or {}
    return {
        "name": "coordinator",
        "part": _parts(
            kind={"valueCode": found.kind},
            name={"valueString": who.get("display")},
            phone={"valueString": who.get("phone")},
            cover={"valueBoolean": found.cover},
        ),
    }


def care_plan(plan: CarePlanSummary) -> JsonObject:
    eol = plan.end_of_life or {}
    resuscitation = eol.get("resuscitation") or {}
    return {
        "name": "carePlan",
        "part": _parts(
            reference={"valueReference": {"reference": plan.care_plan}},
            title={"valueString": plan.title},
            status={"valueCode": plan.status},
            nextReviewDue={"valueString": plan.next_review_due},
            preferredPlaceOfCare={"valueString": eol.get("preferredPlaceOfCare")},
            preferredPlaceOfDeath={"valueString": eol.get("preferredPlaceOfDeath")},
            resuscitation={"valueString": resuscitation.get("decision")},
        ),
    }


def open_request(request: StoredResource) -> JsonObject:
    body = request.as_json()
    return {
        "name": "openRequest",
        "part": _parts(
            reference={"valueReference": {"reference": request.reference}},
            ubrn={"valueString": ubrn_of(body)},
            triageState={"valueCode": triage_state_of(body)},
            priority={"valueCode": body.get("priority")},
        ),
    }
