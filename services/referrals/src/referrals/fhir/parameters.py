"""Operation outputs made of parts: the triage history and the paramedic summary.

Each operation declares its parts (`Param.made_of`); these say what one transition,
co-ordinator, care plan or open request is, as the part values by name (None leaves
a part out), for the kernel to render.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.store.repository import StoredResource
from referrals.domain.records import CarePlanSummary, Coordinator, Transition
from referrals.fhir.shapes import instant, triage_state_of, ubrn_of

Parts = dict[str, Any]


def transition(step: Transition) -> Parts:
    return {
        "outcome": step.outcome,
        "from": step.from_state,
        "to": step.to_state,
        "who": step.actor,
        "role": step.actor_role,
        "when": instant(step.at),
        "task": {"reference": step.task},
        "organisation": step.actor_organisation,
        "reason": step.reason,
    }


def patient(nhs_number: str) -> JsonObject:
    return {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}


def coordinator(found: Coordinator) -> Parts:
    who = found.coordinator or {}
    return {
        "kind": found.kind,
        "name": who.get("display"),
        "phone": who.get("phone"),
        "cover": found.cover,
    }


def care_plan(plan: CarePlanSummary) -> Parts:
    eol = plan.end_of_life or {}
    resuscitation = eol.get("resuscitation") or {}
    return {
        "reference": {"reference": plan.care_plan},
        "title": plan.title,
        "status": plan.status,
        "nextReviewDue": plan.next_review_due,
        "preferredPlaceOfCare": eol.get("preferredPlaceOfCare"),
        "preferredPlaceOfDeath": eol.get("preferredPlaceOfDeath"),
        "resuscitation": resuscitation.get("decision"),
    }


def open_request(request: StoredResource) -> Parts:
    body = request.as_json()
    return {
        "reference": {"reference": request.reference},
        "ubrn": ubrn_of(body),
        "triageState": triage_state_of(body),
        "priority": body.get("priority"),
    }
