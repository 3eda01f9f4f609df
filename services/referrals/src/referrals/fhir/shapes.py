"""The FHIR mapping of referrals: what a ServiceRequest says, and the Tasks it gets.

FHIR camelCase stays here (STYLE.md): the handlers ask these functions for the
category, priority, UBRN, practice or targets of a resource, and get built Task and
ServiceRequest bodies back, so no handler walks JSON itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, ODS_SYSTEM
from carecoord_shared.fhir.outcome import Issue, JsonObject
from referrals.domain import vocabulary as v
from referrals.domain.triage import TriageState

_REQUEST_STATUS = {
    TriageState.ADVICE_GIVEN: "completed",
    TriageState.CONVERTED: "completed",
    TriageState.REJECTED: "revoked",
    TriageState.CANCELLED: "revoked",
}


def instant(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def concept(system: str, code: str) -> JsonObject:
    return {"coding": [{"system": system, "code": code}]}


def codes(concepts: Any, system: str) -> list[str]:
    return [
        str(c["code"])
        for concept_ in concepts or []
        for c in concept_.get("coding", [])
        if c.get("system") == system and c.get("code")
    ]


def category_of(request: JsonObject) -> str | None:
    categories = request.get("category")
    found = [c for c in codes(categories, v.REQUEST_CATEGORY) if c in v.CATEGORIES]
    if v.SNOMED_REFERRAL in codes(categories, v.SNOMED):
        found.append(v.REFERRAL)
    return found[0] if found else None


def nhs_number_of(request: JsonObject) -> str | None:
    identifier = (request.get("subject") or {}).get("identifier") or {}
    return str(identifier["value"]) if identifier.get("system") == NHS_NUMBER_SYSTEM else None


def ubrn_of(request: JsonObject) -> str | None:
    for identifier in request.get("identifier", []):
        if identifier.get("system") == v.UBRN_SYSTEM and identifier.get("value"):
            return str(identifier["value"])
    return None


def ods_of(reference: Any) -> str | None:
    identifier = (reference or {}).get("identifier") or {}
    return str(identifier["value"]) if identifier.get("system") == ODS_SYSTEM else None


def requester_of(request: JsonObject) -> str | None:
    """Who asked: the requester's reference, or the practice's ODS code when the
    requester is given by ODS identifier only (as GP systems do)."""
    requester = request.get("requester") or {}
    return str(requester["reference"]) if requester.get("reference") else ods_of(requester)


def conversion_authorised(request: JsonObject) -> bool:
    return any(
        e.get("url") == v.CONVERSION_AUTHORISED_EXTENSION and e.get("valueBoolean") is True
        for e in request.get("extension", [])
    )


def performer_service_id(request: JsonObject) -> str | None:
    for performer in request.get("performer", []):
        reference = str(performer.get("reference") or "")
        if reference.startswith("HealthcareService/"):
            return reference.split("/", 1)[1]
    return None


def triage_state_of(request: JsonObject) -> str | None:
    for extension in request.get("extension", []):
        if extension.get("url") == v.TRIAGE_STATE_EXTENSION:
            return str(extension.get("valueCode"))
    return None


def submission_issues(request: JsonObject) -> list[Issue]:
    """What a request needs before it can be triaged (custom ServiceRequest rule)."""
    issues = []
    if nhs_number_of(request) is None:
        issues.append(
            Issue(
                "required",
                "The patient must be identified by NHS number",
                ("ServiceRequest.subject.identifier",),
            )
        )
    if not request.get("requester"):
        issues.append(Issue("required", "The requester is required", ("ServiceRequest.requester",)))
    if category_of(request) is None:
        issues.append(
            Issue(
                "required",
                f"The category must be {v.REQUEST_CATEGORY}|advice-and-guidance or |referral",
                ("ServiceRequest.category",),
            )
        )
    if request.get("priority") not in v.PRIORITIES:
        issues.append(
            Issue("value", "The priority must be routine or urgent", ("ServiceRequest.priority",))
        )
    return issues


def with_triage_state(request: JsonObject, state: TriageState) -> JsonObject:
    """The request carrying its current triage state (and the status that goes with it)."""
    body = {k: value for k, value in request.items() if k != "meta"}
    others = [e for e in body.get("extension", []) if e.get("url") != v.TRIAGE_STATE_EXTENSION]
    body["extension"] = [*others, {"url": v.TRIAGE_STATE_EXTENSION, "valueCode": state.value}]
    if state in _REQUEST_STATUS:
        body["status"] = _REQUEST_STATUS[state]
    return body


def service_targets(service: JsonObject) -> dict[str, int]:
    """Working days per priority the service commits to (the response-target extension)."""
    targets = dict(v.DEFAULT_TARGET_DAYS)
    for extension in service.get("extension", []):
        if extension.get("url") != v.RESPONSE_TARGET:
            continue
        parts = {e.get("url"): e for e in extension.get("extension", [])}
        priority = (parts.get("priority") or {}).get("valueCode")
        days = (parts.get("workingDays") or {}).get("valuePositiveInt")
        if priority in v.PRIORITIES and isinstance(days, int):
            targets[priority] = days
    return targets


def referral_from(advice: JsonObject, advice_ref: str, referral_ubrn: str) -> JsonObject:
    """The referral that replaces an A&G request, cross-referenced by both UBRNs."""
    keep = ("subject", "requester", "performer", "performerType", "priority", "reasonCode", "note")
    body: JsonObject = {k: advice[k] for k in keep if k in advice}
    body.update(
        resourceType="ServiceRequest",
        identifier=[{"system": v.UBRN_SYSTEM, "value": referral_ubrn}],
        status="active",
        intent="order",
        category=[concept(v.REQUEST_CATEGORY, v.REFERRAL)],
        replaces=[
            {
                "reference": advice_ref,
                "identifier": {"system": v.UBRN_SYSTEM, "value": ubrn_of(advice)},
            }
        ],
        authoredOn=instant(datetime.now(UTC)),
    )
    return body


def marked_converted(advice: JsonObject, referral_ref: str, referral_ubrn: str) -> JsonObject:
    body = dict(advice)
    body["extension"] = [
        *body.get("extension", []),
        {
            "url": v.CONVERTED_TO_EXTENSION,
            "valueReference": {
                "reference": referral_ref,
                "identifier": {"system": v.UBRN_SYSTEM, "value": referral_ubrn},
            },
        },
    ]
    return body


def request_summary(
    reference: str, version_id: int, request: JsonObject, nhs_number: str | None
) -> JsonObject:
    """What a request's submitted/revised/withdrawn event says (docs/EVENTS.md): enough
    for consumers to act without calling back."""
    ubrn = next(
        (i.get("value") for i in request.get("identifier", []) if i.get("system") == v.UBRN_SYSTEM),
        None,
    )
    return {
        "serviceRequest": reference,
        "versionId": str(version_id),
        "ubrn": ubrn,
        "status": request.get("status"),
        "intent": request.get("intent"),
        "category": [
            str(coding.get("code"))
            for concept_ in request.get("category") or []
            for coding in concept_.get("coding", [])
            if coding.get("code")
        ],
        "priority": request.get("priority", "routine"),
        "nhsNumber": nhs_number,
        "requester": requester_of(request),
        "performer": [
            p.get("reference") for p in request.get("performer", []) if p.get("reference")
        ],
    }
