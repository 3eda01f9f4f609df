"""Reading operation input: a FHIR Parameters body into a typed command.

One place that knows the Parameters shape of `$triage`, so its errors point at the
parameter (`expression`) and the handler only sees a checked `TriageRequest`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carecoord_shared.fhir.identifiers import is_valid_nhs_number
from carecoord_shared.fhir.outcome import JsonObject, bad_request
from carecoord_shared.fhir.parsing import check_id, validate_resource
from referrals.domain.triage import Outcome
from referrals.domain.vocabulary import CALL_OUTCOMES
from referrals.service.advice_lines import LONDON, RecordCall
from referrals.service.triage import TriageRequest

_VALUE_KEYS = (
    "valueCode",
    "valueString",
    "valueCoding",
    "valueCodeableConcept",
    "valueReference",
    "valueIdentifier",
    "valueBoolean",
)


def _values(body: JsonObject) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for parameter in body.get("parameter", []):
        name = parameter.get("name")
        value = next((parameter[k] for k in _VALUE_KEYS if k in parameter), None)
        if name in found:
            raise bad_request(f"Parameter '{name[:40]}' is given twice", (name[:40],))
        found[name] = value
    return found


def _reason_code(value: Any) -> str | None:
    if isinstance(value, dict):
        codings = value.get("coding", [value]) if "coding" in value else [value]
        for coding in codings:
            if isinstance(coding, dict) and coding.get("code"):
                return str(coding["code"])
    return None


def _redirect_target(value: Any) -> str | None:
    reference = str((value or {}).get("reference") or "") if isinstance(value, dict) else ""
    if not reference.startswith("HealthcareService/"):
        return None
    return check_id("HealthcareService", reference.split("/", 1)[1])


def triage_request(request_id: str, body: JsonObject, if_match: int | None) -> TriageRequest:
    validate_resource(body, "Parameters")
    values = _values(body)
    raw = values.get("outcome")
    try:
        outcome = Outcome(str(raw))
    except ValueError:
        choices = ", ".join(o.value for o in Outcome)
        raise bad_request(
            f"outcome must be one of {choices}",
            ("outcome",),
            "required" if raw is None else "value",
        ) from None
    note = values.get("note")
    reason = _reason_code(values.get("reason"))
    if outcome is Outcome.REJECTED and reason is None:
        raise bad_request("A rejection needs a coded reason", ("reason",), "required")
    redirect_to = _redirect_target(values.get("redirectTo"))
    if outcome is Outcome.REDIRECTED and redirect_to is None:
        raise bad_request(
            "A redirection needs redirectTo, a HealthcareService reference",
            ("redirectTo",),
            "required",
        )
    return TriageRequest(
        check_id("ServiceRequest", request_id),
        outcome,
        note if isinstance(note, str) else None,
        reason,
        redirect_to,
        if_match,
    )


def advice_call(body: JsonObject) -> RecordCall:
    """`$record-advice-call` Parameters: adviceLine, patient, outcome, note, followUpNeeded,
    locality."""
    validate_resource(body, "Parameters")
    values = _values(body)
    line = values.get("adviceLine")
    reference = str(line.get("reference") or "") if isinstance(line, dict) else ""
    if not reference.startswith("HealthcareService/"):
        raise bad_request(
            "adviceLine must reference a HealthcareService", ("adviceLine",), "required"
        )
    patient = values.get("patient")
    nhs_number = str(patient.get("value") or "") if isinstance(patient, dict) else ""
    if not is_valid_nhs_number(nhs_number):
        raise bad_request("patient must be a valid NHS number (valueIdentifier)", ("patient",))
    outcome = values.get("outcome")
    if outcome not in CALL_OUTCOMES:
        raise bad_request(f"outcome must be one of {', '.join(CALL_OUTCOMES)}", ("outcome",))
    note, locality = values.get("note"), values.get("locality")
    return RecordCall(
        check_id("HealthcareService", reference.split("/", 1)[1]),
        nhs_number,
        str(outcome),
        note if isinstance(note, str) else None,
        values.get("followUpNeeded") is True,
        locality if isinstance(locality, str) else None,
    )


def moment(text: str | None, now: datetime) -> datetime:
    """`at` of an advice-line look-up: an ISO date-time (local time if it has no zone)."""
    if text is None:
        return now
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise bad_request("at must be an ISO 8601 date-time", ("at",), "value") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LONDON)
