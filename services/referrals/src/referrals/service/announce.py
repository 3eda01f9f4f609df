"""What the referrals service announces: its event types and what each one says.

Every event goes into the unit of work's outbox, explicitly, from the handler that
made the change, so it commits exactly when the change does. docs/EVENTS.md is the
contract (types, keys by NHS number, data fields); the JSON Schemas in
`events/schemas/` check it.
"""

from __future__ import annotations

from datetime import datetime

from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource
from referrals.domain.records import AdviceCall, TriageCase
from referrals.fhir.shapes import instant, request_summary

SUBMITTED = "carecoord.referral.submitted.v1"
REVISED = "carecoord.referral.revised.v1"
WITHDRAWN = "carecoord.referral.withdrawn.v1"
ROUTED = "carecoord.referral.routed.v1"
TRIAGED = "carecoord.referral.triaged.v1"
CONVERTED = "carecoord.referral.converted.v1"
MESSAGE_ADDED = "carecoord.referral.message-added.v1"
BREACH_IMMINENT = "carecoord.referral.breach-imminent.v1"
BREACHED = "carecoord.referral.breached.v1"
ADVICE_CALL_RECORDED = "carecoord.advice-call.recorded.v1"


async def request_changed(tx: FhirTransaction, stored: StoredResource, request: JsonObject) -> None:
    """A ServiceRequest was stored (submitted: its first version; revised: a later one)
    or deleted (withdrawn; `request` is then the version it removed)."""
    event_type = SUBMITTED if stored.version_id == 1 else REVISED
    if stored.deleted:
        event_type = WITHDRAWN
    nhs_number = stored.patient_nhs
    assert nhs_number is not None  # every request names its patient (submission_issues)
    data = request_summary(stored.reference, stored.version_id, request, nhs_number)
    await tx.outbox.announce(event_type, subject=stored.reference, nhs_number=nhs_number, data=data)


async def routed(
    tx: FhirTransaction, request: str, case: TriageCase, task: str, due: datetime
) -> None:
    data = {
        "serviceRequest": request,
        "ubrn": case.ubrn,
        "service": case.service,
        "task": task,
        "dueBy": instant(due),
    }
    await tx.outbox.announce(ROUTED, subject=request, nhs_number=case.nhs_number, data=data)


async def about_case(tx: FhirTransaction, event_type: str, case: TriageCase) -> None:
    """An alarm of the response clock (breach imminent, breached) about one case."""
    data = {
        "serviceRequest": case.service_request,
        "task": case.task,
        "service": case.service,
        "dueBy": instant(case.due_at),
    }
    await tx.outbox.announce(
        event_type, subject=case.service_request, nhs_number=case.nhs_number, data=data
    )


async def advice_call(tx: FhirTransaction, call: AdviceCall, follow_up: bool) -> None:
    data = {
        "communication": call.communication,
        "adviceLine": call.advice_line,
        "outcome": call.outcome,
        "followUpNeeded": follow_up,
        "locality": call.locality,
    }
    await tx.outbox.announce(
        ADVICE_CALL_RECORDED, subject=call.communication, nhs_number=call.nhs_number, data=data
    )
