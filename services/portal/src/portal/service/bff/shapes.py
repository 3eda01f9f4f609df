"""What the staff pages show, read out of the referrals service's FHIR JSON.

Pages work with small typed views (a request, a worklist row, a conversation turn, a
triage step) rather than FHIR dictionaries, so templates never dig through FHIR
structure and the one place that knows referrals' shapes is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.service.bff import referrals_vocabulary as v
from portal.service.bff.client import Json, version_of
from portal.service.bff.clock import parse_instant

__all__ = [
    "RequestView",
    "ServiceOption",
    "TriageStep",
    "Turn",
    "first_code",
    "first_parts",
    "identifier_value",
    "parts",
    "request_view",
    "service_option",
    "triage_steps",
    "turn",
]


@dataclass(frozen=True, slots=True)
class ServiceOption:
    id: str
    name: str
    specialty: str
    specialty_code: str
    localities: tuple[str, ...]
    provider: str


@dataclass(frozen=True, slots=True)
class RequestView:
    id: str
    version: str
    ubrn: str
    category: str
    priority: str
    state: str
    question: str
    authored: datetime | None
    nhs_number: str
    requester: str
    service: str

    @property
    def state_label(self) -> str:
        return v.STATE_LABELS.get(self.state, self.state)

    @property
    def is_advice(self) -> bool:
        return self.category == v.ADVICE_AND_GUIDANCE


@dataclass(frozen=True, slots=True)
class Turn:
    id: str
    sent: datetime | None
    sender: str
    text: str


@dataclass(frozen=True, slots=True)
class TriageStep:
    """A note a triage decision carried (the advice itself, or what was asked)."""

    outcome: str
    text: str

    @property
    def label(self) -> str:
        return v.OUTCOME_LABELS.get(self.outcome, self.outcome)


def _codes(concepts: Any, name: str) -> list[str]:
    """The codes of referrals' code system `name` in one concept or a list of them."""
    return [
        str(c["code"])
        for concept in (concepts if isinstance(concepts, list) else [concepts] if concepts else [])
        for c in (concept or {}).get("coding", [])
        if v.named(c.get("system"), name) and c.get("code")
    ]


def first_code(concept: Any) -> str:
    """The code of a CodeableConcept's first coding ("" when it has none)."""
    codings = (concept or {}).get("coding", []) if isinstance(concept, dict) else []
    return str(codings[0].get("code") or "") if codings else ""


def _first_display(concepts: Any) -> tuple[str, str]:
    for concept in concepts or []:
        for c in concept.get("coding", []):
            if c.get("code"):
                return str(c.get("display") or concept.get("text") or c["code"]), str(c["code"])
    return "", ""


def identifier_value(reference: Any) -> str:
    """The value of the identifier a reference (or a participant) names ("" when none)."""
    return str(((reference or {}).get("identifier") or {}).get("value") or "")


def _identifier(reference: Any, system: str) -> str:
    identifier = (reference or {}).get("identifier") or {}
    return str(identifier.get("value") or "") if identifier.get("system") == system else ""


def parts(parameter: Json) -> dict[str, list[Any]]:
    """A Parameters parameter's parts by name, each as its list of value[x]s (or its own
    parts, for a part made of parts)."""
    found: dict[str, list[Any]] = {}
    for part in parameter.get("part", []):
        value = next((val for key, val in part.items() if key.startswith("value")), None)
        found.setdefault(str(part.get("name")), []).append(parts(part) if value is None else value)
    return found


def first_parts(parameter: Json) -> dict[str, Any]:
    """Each part's first value, by name (for a parameter whose parts each come once)."""
    return {name: values[0] for name, values in parts(parameter).items() if values}


def service_option(body: Json) -> ServiceOption:
    specialty, code = _first_display(body.get("specialty"))
    localities = tuple(_codes(body.get("characteristic"), v.LOCALITY))
    provider = _identifier(body.get("providedBy"), v.ODS_SYSTEM)
    return ServiceOption(
        str(body["id"]), str(body.get("name") or "Unnamed service"), specialty, code,
        localities, provider,
    )  # fmt: skip


def request_view(body: Json, etag: str | None = None) -> RequestView:
    states = [
        str(e.get("valueCode"))
        for e in body.get("extension", [])
        if v.named(e.get("url"), v.TRIAGE_STATE)
    ]
    ubrns = [i.get("value") for i in body.get("identifier", []) if i.get("system") == v.UBRN_SYSTEM]
    categories = _codes(body.get("category"), v.REQUEST_CATEGORY_NAME)
    performers = [p.get("reference") for p in body.get("performer", []) if p.get("reference")]
    return RequestView(
        id=str(body["id"]),
        version=version_of(body, etag),
        ubrn=str(ubrns[0] if ubrns else ""),
        category=categories[0] if categories else "referral",
        priority=str(body.get("priority") or "routine"),
        state=states[0] if states else "",
        question=" ".join(str(n.get("text") or "") for n in body.get("note", [])).strip(),
        authored=parse_instant(body.get("authoredOn")),
        nhs_number=_identifier(body.get("subject"), v.NHS_NUMBER_SYSTEM),
        requester=_identifier(body.get("requester"), v.ODS_SYSTEM),
        service=str(performers[0]) if performers else "",
    )


def turn(body: Json) -> Turn:
    text = " ".join(
        str(p.get("contentString") or "") for p in body.get("payload", []) if p.get("contentString")
    )
    sender = body.get("sender") or {}
    who = sender.get("display") or _identifier(sender, v.ODS_SYSTEM) or "Unknown sender"
    return Turn(str(body["id"]), parse_instant(body.get("sent")), str(who), text)


def triage_steps(task: Json) -> list[TriageStep]:
    """The notes of a triage Task's outcomes, oldest first."""
    steps = []
    for output in task.get("output", []):
        outcomes = _codes(output.get("type"), v.TRIAGE_OUTCOME)
        if outcomes:
            note = str(output.get("valueString") or "")
            steps.append(TriageStep(outcomes[0], "" if note == outcomes[0] else note))
    return steps
