"""Plan activities (Task) made from other services' facts.

- referrals `triaged` with outcome advice-given (a completed Task) or accepted (a
  requested Task: an appointment to be booked), based on the request by UBRN;
- MDT `action-assigned`: the action, owned by its owner, due when it is due.
Each activity is keyed by the fact that caused it (`source-event` identifier), so a
duplicate re-sent under a new event id adds nothing. Consumers read tolerantly: an
event without the fields an activity needs gives none.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from care_plans.fhir.vocabulary import EVENT_ID_SYSTEM
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, UBRN_SYSTEM

Json = dict[str, Any]


def activity_task(nhs_number: str, key: str, description: str, status: str) -> Json:
    return {
        "resourceType": "Task",
        "identifier": [{"system": EVENT_ID_SYSTEM, "value": key}],
        "status": status,
        "intent": "plan",
        "description": description[:1000],
        "for": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}},
    }


def source_key(task: Json) -> str:
    """The If-None-Exist query that finds the activity made from the same fact."""
    return f"identifier={EVENT_ID_SYSTEM}|{task['identifier'][0]['value']}"


def triage_activity(data: Json) -> Json | None:
    outcome, nhs_number = data.get("outcome"), data.get("nhsNumber")
    request = data.get("serviceRequest")
    if outcome not in ("advice-given", "accepted") or not isinstance(nhs_number, str):
        return None
    if not isinstance(request, str):
        return None
    text = (
        "Specialist advice given in reply to an advice & guidance request"
        if outcome == "advice-given"
        else "Referral accepted by the specialist service: appointment to be booked"
    )
    task = activity_task(
        nhs_number,
        f"{request}#{outcome}",
        text,
        "completed" if outcome == "advice-given" else "requested",
    )
    if isinstance(data.get("ubrn"), str):
        task["basedOn"] = [
            {"type": "ServiceRequest", "identifier": {"system": UBRN_SYSTEM, "value": data["ubrn"]}}
        ]
    return task


def mdt_action_activity(data: Json) -> Json | None:
    nhs_number, action = data.get("nhsNumber"), data.get("action")
    if not isinstance(nhs_number, str) or not isinstance(action, str):
        return None
    task = activity_task(
        nhs_number, f"mdt:{action}", str(data.get("description") or "MDT action"), "requested"
    )
    owner = data.get("owner") or {}
    if isinstance(owner.get("display"), str):
        task["owner"] = {"display": owner["display"]}
    if (due := _calendar_date(data.get("dueOn"))) is not None:
        task["restriction"] = {"period": {"end": due}}
    return task


def _calendar_date(value: Any) -> str | None:
    """`value` when it is a real calendar date (YYYY-MM-DD), else None: these Tasks are
    stored without a second R4 validation, so a fact's date is checked here."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None
