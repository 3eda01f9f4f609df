"""One A&G request or referral as both sides see it: the request, its conversation, the
notes its triage decisions carried (the advice itself), and who did what when.

Read with the caller's own token: a request the caller may not see comes back as None,
whether referrals said 403 or 404, so a page cannot tell "not yours" from "not there".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.service.bff import referrals_vocabulary as v
from portal.service.bff.client import FhirClient, Json
from portal.service.bff.clock import BreachClock, breach_clock, parse_instant
from portal.service.bff.shapes import (
    RequestView,
    TriageStep,
    Turn,
    first_parts,
    request_view,
    triage_steps,
    turn,
)

__all__ = ["RequestPage", "Transition", "load_request", "valid_id"]

_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def valid_id(text: str) -> bool:
    return bool(_ID.fullmatch(text))


@dataclass(frozen=True, slots=True)
class Transition:
    outcome: str
    to: str
    who: str
    organisation: str
    when: datetime | None
    reason: str

    @property
    def label(self) -> str:
        return v.OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def to_label(self) -> str:
        return v.STATE_LABELS.get(self.to, self.to)


@dataclass(frozen=True, slots=True)
class RequestPage:
    request: RequestView
    turns: list[Turn]
    steps: list[TriageStep]
    history: list[Transition]
    clock: BreachClock
    service_name: str


def _transition(parameter: Json) -> Transition:
    values = {name: str(value or "") for name, value in first_parts(parameter).items()}
    return Transition(
        values.get("outcome", ""),
        values.get("to", ""),
        values.get("who", ""),
        values.get("organisation", ""),
        parse_instant(values.get("when")),
        values.get("reason", ""),
    )


async def _conversation(api: FhirClient, reference: str) -> list[Turn]:
    reply = await api.get(
        "Communication", [("based-on", reference), ("_sort", "sent"), ("_count", "100")]
    )
    return [turn(e["resource"]) for e in reply.body.get("entry", []) if reply.ok]


async def _triage(api: FhirClient, reference: str) -> tuple[list[TriageStep], dict[str, Any]]:
    reply = await api.get("Task", [("focus", reference), ("code", "triage"), ("_count", "20")])
    tasks = [e["resource"] for e in reply.body.get("entry", [])] if reply.ok else []
    steps = [step for task in tasks for step in triage_steps(task)]
    current = next((t for t in tasks if t.get("status") in ("ready", "on-hold")), None)
    return steps, current or (tasks[-1] if tasks else {})


async def _history(api: FhirClient, request_id: str) -> list[Transition]:
    reply = await api.get(f"ServiceRequest/{request_id}/$triage-history")
    parameters = reply.body.get("parameter", []) if reply.ok else []
    return [_transition(p) for p in parameters if p.get("name") == "transition"]


async def _service_name(api: FhirClient, reference: str) -> str:
    if not reference.startswith("HealthcareService/"):
        return ""
    reply = await api.get(reference)
    return str(reply.body.get("name") or "") if reply.ok else ""


async def load_request(api: FhirClient, request_id: str, now: datetime) -> RequestPage | None:
    """The request page's content, or None if the caller may not see the request."""
    if not valid_id(request_id):
        return None
    reply = await api.get(f"ServiceRequest/{request_id}")
    if not reply.ok or reply.body.get("resourceType") != "ServiceRequest":
        return None
    request = request_view(reply.body, reply.etag)
    reference = f"ServiceRequest/{request.id}"
    steps, task = await _triage(api, reference)
    due = parse_instant(((task.get("restriction") or {}).get("period") or {}).get("end"))
    responded = request.state not in v.OPEN_STATES
    clock = breach_clock(due, now, paused=request.state != "awaiting-triage", responded=responded)
    return RequestPage(
        request,
        await _conversation(api, reference),
        steps,
        await _history(api, request.id),
        clock,
        await _service_name(api, request.service),
    )
