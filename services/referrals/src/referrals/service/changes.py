"""What the referrals service announces when a request changes.

Runs inside the write's transaction (the kernel calls it as the ServiceRequest's
change hook), so each event is in the outbox exactly when the change commits.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.events import add as add_to_outbox
from carecoord_shared.events import new_event
from carecoord_shared.fhir.identifiers import UBRN_SYSTEM
from carecoord_shared.fhir.outcome import business_rule
from carecoord_shared.fhir.registry import Change, WriteContext

SOURCE = "urn:carecoord:referrals"


def _codes(concepts: Any) -> list[str]:
    return [
        str(coding.get("code"))
        for concept in concepts or []
        for coding in concept.get("coding", [])
        if coding.get("code")
    ]


def request_summary(change: Change) -> dict[str, Any]:
    """The event payload: enough for consumers to act without calling back."""
    body = change.resource or change.previous or {}
    ubrn = next(
        (i.get("value") for i in body.get("identifier", []) if i.get("system") == UBRN_SYSTEM),
        None,
    )
    return {
        "serviceRequest": f"ServiceRequest/{change.id}",
        "versionId": change.version_id,
        "ubrn": ubrn,
        "status": body.get("status"),
        "intent": body.get("intent"),
        "category": _codes(body.get("category")),
        "priority": body.get("priority", "routine"),
        "nhsNumber": change.patient_nhs,
        "requester": (body.get("requester") or {}).get("reference"),
        "performer": [p.get("reference") for p in body.get("performer", []) if p.get("reference")],
    }


async def announce_service_request_change(
    context: WriteContext, change: Change, *, topic: str
) -> None:
    if change.kind == "create" and request_summary(change)["ubrn"] is None:
        # Only the submission path numbers and routes a request; a PUT that would
        # create one would skip both.
        raise business_rule("Submit a new request with POST ServiceRequest")
    event_type = {
        "create": "carecoord.referral.submitted.v1",
        "update": "carecoord.referral.revised.v1",
        "delete": "carecoord.referral.withdrawn.v1",
    }[change.kind]
    event = new_event(
        event_type,
        source=SOURCE,
        subject=f"ServiceRequest/{change.id}",
        data=request_summary(change),
        nhs_number=change.patient_nhs,
    )
    await add_to_outbox(context.conn, topic, event)
