"""A patient's request for help: kept, routed, and escalated when it holds a red flag.

One unit of work stores the patient's words (Communication), where the request went
and why (CommunicationRequest), and for a red flag the duty clinician's urgent callback
(Task, priority `stat`, naming the patient's co-ordinator), with the events that
announce them (`request-routed`, `red-flag-raised`) in the same commit (no dual
write). A red flag never blocks the request: patients who are blocked resubmit
without it (issue 11), so the advice is shown and the request is kept. Each form
carries its own id, kept on the Communication: the same form sent twice (a double
click, a resubmitted page) finds the first and stores nothing more (the kernel's
race-safe conditional create decides between two at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal
from portal.domain.front_door_events import (
    RED_FLAG_RAISED,
    REQUEST_ROUTED,
    red_flag_raised,
    request_routed,
)
from portal.domain.routing import Decision
from portal.fhir.front_door import FORM_SYSTEM, callback_task, patient_message, routed_request
from portal.service.front_door_routing import (
    RouteInput,
    counted,
    plan_context,
    route_now,
)
from portal.service.front_door_rules import FrontDoorRules
from portal.store.front_door import PatientCare

__all__ = ["Submission", "Submitted", "submit"]


@dataclass(frozen=True, slots=True)
class Submission:
    given: RouteInput
    plan_aware: bool
    """The patient may see records (P9): route by their own plan first."""
    duty_clinician: str
    form: str
    """The id of the form it came from: the same form sent again is the same request."""
    contact: tuple[str, str] = ("", "")
    """The patient's name (from their sign-in) and the phone number they gave for a callback."""


@dataclass(frozen=True, slots=True)
class Submitted:
    decision: Decision
    communication: str
    request: str | None
    task: str | None
    replayed: bool = False
    """The form had been sent before: nothing more was stored."""


async def coordinator_of(tx: FhirTransaction, nhs_number: str) -> str | None:
    """The patient's named co-ordinator (their cover while it runs), from the read model."""
    record = await tx.repository(PatientCare).get(nhs_number)
    person = (record.cover or record.coordinator) if record else None
    reference = person.get("reference") if person else None
    return str(reference) if reference else None


async def _escalate(
    tx: FhirTransaction, nhs: str, request: str, decision: Decision, now: datetime, sent: Submission
) -> str:
    coordinator, duty = await coordinator_of(tx, nhs), sent.duty_clinician
    body = callback_task(nhs, request, decision, now, duty, coordinator, sent.contact)
    task, _ = await tx.create("Task", body)
    data = red_flag_raised(task.reference, request, decision, duty, coordinator, now)
    await tx.outbox.announce(RED_FLAG_RAISED, subject=task.reference, nhs_number=nhs, data=data)
    return task.reference


async def submit(
    fhir: FhirInteractions,
    patient: Principal,
    front_door: FrontDoorRules,
    submission: Submission,
    now: datetime,
) -> Submitted:
    """Store, route and (for a red flag) escalate one request of the signed-in patient."""
    nhs = patient.nhs_number
    if nhs is None:
        raise ValueError("only a patient with an NHS number (P5 or P9) may submit")
    given = submission.given
    async with fhir.operation(patient) as tx:
        plan = await plan_context(tx, nhs) if submission.plan_aware else None
        decision = route_now(front_door, given, plan, now, count=False)
        body = patient_message(nhs, given.text, list(given.answers), now, submission.form)
        message, new = await tx.create(
            "Communication", body, if_none_exist=f"identifier={FORM_SYSTEM}|{submission.form}"
        )
        if not new:  # a double click or a resent form: the request is already kept
            return Submitted(decision, message.reference, None, None, replayed=True)
        request, _ = await tx.create(
            "CommunicationRequest", routed_request(nhs, message.reference, decision, now)
        )
        task = None
        if decision.red_flag:
            task = await _escalate(tx, nhs, request.reference, decision, now, submission)
        data = request_routed(request.reference, message.reference, decision)
        await tx.outbox.announce(
            REQUEST_ROUTED, subject=request.reference, nhs_number=nhs, data=data
        )
    counted(decision)  # once per kept request, never again for a replay
    return Submitted(decision, message.reference, request.reference, task)
