"""The GP's use cases for advice & guidance: ask, follow the practice's requests, reply.

A new request is referrals' submission (`POST /fhir/ServiceRequest`) with the patient
by NHS number as typed into the form (it travels in the body, never in a URL), the
practice as requester and the chosen directory service as performer. Replying to a
request for information is a Communication on the request, which restarts referrals'
response clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portal.service.bff import referrals_vocabulary as v
from portal.service.bff.client import FhirClient
from portal.service.bff.shapes import RequestView, ServiceOption, request_view

__all__ = [
    "AdviceRequest",
    "PracticeRequests",
    "nhs_number_problem",
    "practice_requests",
    "reply",
    "submit",
]

_AWAITING_GP = ("awaiting-information", "awaiting-conversion-authorisation", "awaiting-routing")
_DIGITS = re.compile(r"[0-9]{10}")


def nhs_number_problem(text: str) -> str | None:
    """What is wrong with a typed NHS number (spaces allowed), or None (modulus 11)."""
    digits = text.replace(" ", "")
    if not _DIGITS.fullmatch(digits):
        return "Enter the patient's 10-digit NHS number"
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(digits[9]):
        return "Enter a valid NHS number (the check digit does not match)"
    return None


@dataclass(frozen=True, slots=True)
class AdviceRequest:
    nhs_number: str
    service: ServiceOption
    priority: str
    question: str
    conversion_authorised: bool

    def body(self, practice: str, now: datetime) -> dict[str, Any]:
        category = [
            {"coding": [{"system": v.REQUEST_CATEGORY, "code": v.ADVICE_AND_GUIDANCE}]},
        ]
        body: dict[str, Any] = {
            "resourceType": "ServiceRequest",
            "status": "active",
            "intent": "order",
            "category": category,
            "priority": self.priority,
            "subject": {"identifier": {"system": v.NHS_NUMBER_SYSTEM, "value": self.nhs_number}},
            "requester": {"identifier": {"system": v.ODS_SYSTEM, "value": practice}},
            "performer": [{"reference": f"HealthcareService/{self.service.id}"}],
            "authoredOn": now.astimezone(UTC).isoformat(timespec="seconds"),
            "note": [{"text": self.question}],
        }
        if self.service.specialty_code:
            coding = {"system": "http://snomed.info/sct", "code": self.service.specialty_code}
            body["performerType"] = {"coding": [coding]}
        if self.conversion_authorised:
            body["extension"] = [{"url": v.CONVERSION_AUTHORISED, "valueBoolean": True}]
        return body


async def submit(
    api: FhirClient, request: AdviceRequest, practice: str, now: datetime
) -> tuple[str | None, list[str]]:
    """The new request's id, or the problems referrals found with it."""
    reply = await api.post("ServiceRequest", request.body(practice, now))
    if reply.ok and reply.body.get("id"):
        return str(reply.body["id"]), []
    if reply.status == 403:
        return None, ["You cannot ask about this patient: they are not registered at your practice"]
    return None, [m for m in reply.issues() if m] or ["The request could not be sent"]


@dataclass(frozen=True, slots=True)
class PracticeRequests:
    awaiting_you: list[RequestView]
    others: list[RequestView]


async def practice_requests(api: FhirClient, practice: str) -> PracticeRequests:
    reply = await api.get(
        "ServiceRequest",
        [
            ("requester:identifier", f"{v.ODS_SYSTEM}|{practice}"),
            ("_sort", "-authored"),
            ("_count", "100"),
        ],
    )
    found = [request_view(e["resource"]) for e in reply.body.get("entry", [])] if reply.ok else []
    return PracticeRequests(
        [r for r in found if r.state in _AWAITING_GP],
        [r for r in found if r.state not in _AWAITING_GP],
    )


async def reply(
    api: FhirClient, request: RequestView, practice: str, text: str, now: datetime
) -> list[str]:
    """Send the practice's answer on the request; the problems, if any."""
    body = {
        "resourceType": "Communication",
        "status": "completed",
        "basedOn": [{"reference": f"ServiceRequest/{request.id}"}],
        "subject": {"identifier": {"system": v.NHS_NUMBER_SYSTEM, "value": request.nhs_number}},
        "sender": {"identifier": {"system": v.ODS_SYSTEM, "value": practice}},
        "sent": now.astimezone(UTC).isoformat(timespec="seconds"),
        "payload": [{"contentString": text}],
    }
    answer = await api.post("Communication", body)
    return [] if answer.ok else [m for m in answer.issues() if m] or ["The reply was not sent"]
