"""The paramedic's console, as calls to referrals with their own token.

Who to ring now is referrals' `$advice-lines` for a specialty and locality (open lines,
each with its phone and its on-call specialists in ringing order), named from the
directory's advice lines. A call is `$record-advice-call` with the patient by NHS number
in the body (never in a portal URL); it answers with the Communication, whose id
addresses the call page, and opens the paramedic's time-limited access to the patient
that `$paramedic-summary` (co-ordinator, plan and end-of-life preferences, open
requests) needs. Commissioners want this "immediately available on the phone"
(DOMAIN.md, "Paramedic advice lines"), so every look-up is one or two calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from carecoord_shared.fhir.definitions import system_url
from portal.service.bff import referrals_vocabulary as v
from portal.service.bff.client import FhirClient, Json
from portal.service.bff.shapes import ServiceOption, first_parts, parts, service_option

__all__ = [
    "AdviceLine",
    "CallRecord",
    "CallSummary",
    "OnCall",
    "advice_line_services",
    "advice_lines",
    "call_summary",
    "record_call",
]
ADVICE_LINE_TYPE: Final = f"{system_url('service-type')}|advice-line"


def _first(found: dict[str, list[Any]], name: str) -> Any:
    return (found.get(name) or [None])[0]


@dataclass(frozen=True, slots=True)
class OnCall:
    order: int
    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class AdviceLine:
    id: str
    name: str
    phones: tuple[str, ...]
    on_call: tuple[OnCall, ...]


async def advice_line_services(api: FhirClient) -> list[ServiceOption]:
    reply = await api.get(
        "HealthcareService", [("service-type", ADVICE_LINE_TYPE), ("active", "true")]
    )
    found = reply.resources("HealthcareService")
    return sorted((service_option(s) for s in found), key=lambda s: s.name)


def _line(parameter: Json, names: dict[str, str]) -> AdviceLine:
    found = parts(parameter)
    reference = str((_first(found, "service") or {}).get("reference") or "")
    line_id = reference.rsplit("/", 1)[-1]
    ringing = []
    for on_call in found.get("onCall", []):
        who = _first(on_call, "practitionerRole") or {}
        name = str(who.get("display") or "On-call specialist")
        ringing.append(
            OnCall(int(_first(on_call, "order") or 0), name, str(_first(on_call, "phone") or ""))
        )
    phones = tuple(str(p) for p in found.get("phone", []))
    return AdviceLine(
        line_id,
        names.get(line_id, "Advice line"),
        phones,
        tuple(sorted(ringing, key=lambda c: c.order)),
    )


async def advice_lines(
    api: FhirClient, specialty: str, locality: str, services: list[ServiceOption]
) -> list[AdviceLine]:
    query = [("specialty", f"http://snomed.info/sct|{specialty}")]
    if locality:
        query.append(("locality", locality))
    reply = await api.get("HealthcareService/$advice-lines", query)
    names = {s.id: s.name for s in services}
    lines = (
        [p for p in reply.body.get("parameter", []) if p.get("name") == "line"] if reply.ok else []
    )
    return [_line(p, names) for p in lines]


@dataclass(frozen=True, slots=True)
class CallRecord:
    line_id: str
    nhs_number: str
    outcome: str
    note: str
    follow_up: bool
    locality: str

    def parameters(self) -> Json:
        params: list[Json] = [
            {
                "name": "adviceLine",
                "valueReference": {"reference": f"HealthcareService/{self.line_id}"},
            },
            {
                "name": "patient",
                "valueIdentifier": {"system": v.NHS_NUMBER_SYSTEM, "value": self.nhs_number},
            },
            {"name": "outcome", "valueCode": self.outcome},
            {"name": "followUpNeeded", "valueBoolean": self.follow_up},
        ]
        if self.note:
            params.append({"name": "note", "valueString": self.note})
        if self.locality:
            params.append({"name": "locality", "valueCode": self.locality})
        return {"resourceType": "Parameters", "parameter": params}


async def record_call(api: FhirClient, call: CallRecord) -> tuple[str | None, list[str]]:
    """The recorded call's id, or what referrals said was wrong."""
    reply = await api.post("Communication/$record-advice-call", call.parameters())
    if reply.ok and reply.body.get("id"):
        return str(reply.body["id"]), []
    return None, [m for m in reply.issues() if m] or ["The call was not recorded"]


@dataclass(frozen=True, slots=True)
class CallSummary:
    """The recorded call and what the paramedic needs about the patient."""

    call_id: str
    nhs_number: str
    outcome: str
    note: str
    coordinators: list[dict[str, Any]] = field(default_factory=list)
    care_plans: list[dict[str, Any]] = field(default_factory=list)
    open_requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def outcome_label(self) -> str:
        return v.CALL_OUTCOMES.get(self.outcome, self.outcome)


async def call_summary(api: FhirClient, call_id: str) -> CallSummary | None:
    """None when the call is not there or not this paramedic's to see."""
    reply = await api.get(f"Communication/{call_id}")
    if not reply.ok:
        return None
    subject = (reply.body.get("subject") or {}).get("identifier") or {}
    nhs_number = str(subject.get("value") or "")
    note = " ".join(str(p.get("contentString") or "") for p in reply.body.get("payload", []))
    outcomes = [e.get("valueCode") for e in reply.body.get("extension", []) if e.get("valueCode")]
    summary = await api.get(f"Patient/{nhs_number}/$paramedic-summary")
    found = summary.body.get("parameter", []) if summary.ok else []
    by_name: dict[str, list[dict[str, Any]]] = {}
    for parameter in found:
        if parameter.get("part"):
            by_name.setdefault(str(parameter.get("name")), []).append(first_parts(parameter))
    outcome = str(next((o for o in outcomes if o in v.CALL_OUTCOMES), ""))
    return CallSummary(
        call_id, nhs_number, outcome, note.strip(),
        by_name.get("coordinator", []), by_name.get("carePlan", []), by_name.get("openRequest", []),
    )  # fmt: skip
