"""A paramedic's advice-line calls: recorded with evidence, rate-limited, reviewable.

Recording a call is what opens the paramedic's time-limited access to the patient
('advice-call' grant, which lets them read the paramedic summary), so it is guarded:
only a paramedic, only on an advice line, only for a patient on the register (a
registered-practice grant exists; anyone else needs break-glass), at most
`advice_calls_per_hour` calls an hour per paramedic (429 with Retry-After beyond).
The call's details (caller, time, line, patient, outcome) are kept and the grant is
audited with its purpose; information governance, or the paramedic themself, can
list a paramedic's advice-call grants (`$advice-call-grants`).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from carecoord_shared.fhir.operations import parameter_path
from carecoord_shared.fhir.outcome import FhirError, Issue, business_rule, forbidden
from carecoord_shared.fhir.unit_of_work import FhirReads, FhirTransaction, Refusal
from carecoord_shared.store.repository import StoredResource
from referrals.domain import vocabulary as v
from referrals.domain.records import AdviceCall
from referrals.fhir.advice import CallRecord, call_communication
from referrals.fhir.shapes import codes
from referrals.service import announce
from referrals.service.advice_lines import LONDON
from referrals.service.context import Referrals
from referrals.store.advice_calls import AdviceCalls

_HOUR = timedelta(hours=1)
REVIEWER = "information-governance"


async def _within_rate(tx: FhirTransaction, ctx: Referrals, now: datetime) -> None:
    """429 (with Retry-After) once the paramedic has recorded their calls for the hour."""
    limit = ctx.advice_calls_per_hour
    recent = await tx.repository(AdviceCalls).by_paramedic(
        tx.principal.subject, since=now - _HOUR, limit=limit
    )
    if len(recent) < limit:
        return
    wait = math.ceil((min(c.at for c in recent) + _HOUR - now).total_seconds())
    text = f"At most {limit} advice calls an hour may be recorded; retry later or use break-glass"
    raise FhirError(429, [Issue("throttled", text)], {"Retry-After": str(max(wait, 1))})


async def _on_register(tx: FhirTransaction, nhs_number: str) -> None:
    """Only a patient the register knows (a registered practice) opens access this way."""
    if await tx.grants.running(nhs_number, reason=v.REGISTERED_PRACTICE):
        return
    tx.refusals.append(Refusal("C", "Communication/$record-advice-call", nhs_number))
    raise business_rule(
        "This patient is not on the register: use break-glass to see their record",
        (parameter_path("patient"),),
    )


async def _advice_line(tx: FhirTransaction, line_id: str) -> StoredResource:
    line = await tx.read("HealthcareService", line_id)
    if v.ADVICE_LINE not in codes(line.as_json().get("type"), v.SERVICE_TYPE):
        raise business_rule(
            f"{line.reference} is not an advice line", (parameter_path("adviceLine"),)
        )
    return line


async def record_call(tx: FhirTransaction, ctx: Referrals, command: CallRecord) -> StoredResource:
    """The call as a Communication, counted for the line, announced, and the paramedic's
    access to the patient for the next `advice_call_minutes` (audited with its purpose)."""
    if tx.principal.role != "paramedic":
        raise forbidden("Only paramedics record advice-line calls")
    line = await _advice_line(tx, command.line_id)
    now, paramedic = ctx.now(), tx.principal.subject
    await _within_rate(tx, ctx, now)
    await _on_register(tx, command.nhs_number)
    until = datetime.now(LONDON) + timedelta(minutes=ctx.advice_call_minutes)
    await tx.grants.grant(
        command.nhs_number, "user", paramedic, v.ADVICE_CALL_ACCESS, valid_to=until
    )
    body = call_communication(command, line, paramedic, now)
    communication, _ = await tx.create("Communication", body)
    call = AdviceCall(
        communication.reference, line.reference, command.locality, command.outcome,
        command.nhs_number, paramedic, now,
    )  # fmt: skip
    await tx.repository(AdviceCalls).record(call)
    await tx.record_access(
        "C", f"{communication.reference}/$record-advice-call", [command.nhs_number],
        purpose=v.ADVICE_CALL_ACCESS,
    )  # fmt: skip
    await announce.advice_call(tx, call, command.follow_up)
    return communication


async def advice_call_grants(
    tx: FhirReads, paramedic: str | None, since: datetime | None
) -> tuple[str, list[AdviceCall]]:
    """A paramedic's advice calls, each of which opened access to a patient: for
    information governance (any paramedic), or the paramedic themself. Audited."""
    caller = tx.principal
    if caller.role == "paramedic" and paramedic in (None, caller.subject):
        paramedic = caller.subject
    elif caller.role != REVIEWER or paramedic is None:
        tx.refusals.append(Refusal("R", "$advice-call-grants", None))
        raise forbidden(
            "A paramedic's advice-call grants are for information governance or the "
            "paramedic themself (name the paramedic)"
        )
    calls = await tx.repository(AdviceCalls).by_paramedic(paramedic, since=since)
    patients = sorted({c.nhs_number for c in calls})
    await tx.record_access("R", f"$advice-call-grants?paramedic={paramedic}"[:200], patients)
    return paramedic, calls
