"""One vocabulary of FHIR outcomes, mapped to HTTP status in one place.

Code anywhere in a service raises `FhirError` through the constructors below
(`not_found`, `bad_request(text, expression)`, ...); the app's exception handler
renders it as an OperationOutcome with the status fixed here. Messages are written
for the caller and never include exception text, SQL or patient data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Issue:
    """One OperationOutcome issue: FHIR issue `code`, a human text and where (FHIRPath)."""

    code: str
    diagnostics: str
    expression: tuple[str, ...] = ()
    severity: str = "error"

    def to_fhir(self) -> JsonObject:
        issue: JsonObject = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = list(self.expression)
        return issue


@dataclass(slots=True)
class FhirError(Exception):
    """An error the caller should see as an OperationOutcome with `status`."""

    status: int
    issues: Sequence[Issue]
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status}: " + "; ".join(i.diagnostics for i in self.issues)


def operation_outcome(issues: Sequence[Issue]) -> JsonObject:
    return {"resourceType": "OperationOutcome", "issue": [i.to_fhir() for i in issues]}


def _one(status: int, code: str, text: str, expression: Sequence[str] = ()) -> FhirError:
    return FhirError(status, [Issue(code, text, tuple(expression))])


def bad_request(text: str, expression: Sequence[str] = (), code: str = "invalid") -> FhirError:
    return _one(400, code, text, expression)


def invalid(issues: Sequence[Issue]) -> FhirError:
    return FhirError(400, list(issues))


def unauthorized(text: str = "A valid bearer token is required") -> FhirError:
    return FhirError(401, [Issue("login", text)], {"WWW-Authenticate": 'Bearer realm="carecoord"'})


def forbidden(text: str = "You are not allowed to do this") -> FhirError:
    return _one(403, "forbidden", text)


def not_found(resource_type: str, resource_id: str) -> FhirError:
    return _one(404, "not-found", f"{resource_type}/{resource_id} is not known")


def unknown_route(text: str) -> FhirError:
    return _one(404, "not-supported", text)


def method_not_allowed(text: str) -> FhirError:
    return _one(405, "not-supported", text)


def conflict(text: str, expression: Sequence[str] = ()) -> FhirError:
    return _one(409, "conflict", text, expression)


def gone(resource_type: str, resource_id: str) -> FhirError:
    return _one(410, "deleted", f"{resource_type}/{resource_id} has been deleted")


def precondition_failed(text: str) -> FhirError:
    return _one(412, "conflict", text)


def too_large(limit: int) -> FhirError:
    return _one(413, "too-costly", f"The request body is larger than the limit of {limit} bytes")


def unsupported_media_type(received: str) -> FhirError:
    return _one(
        415,
        "not-supported",
        f"Content type '{received[:60]}' is not supported: use application/fhir+json",
    )


def business_rule(text: str, expression: Sequence[str] = ()) -> FhirError:
    return _one(422, "business-rule", text, expression)


def precondition_required(text: str) -> FhirError:
    return _one(428, "required", text)


def internal_error(correlation_id: str) -> FhirError:
    return _one(
        500,
        "exception",
        f"Something went wrong on our side. Quote correlation id {correlation_id}.",
    )


def unavailable(text: str) -> FhirError:
    return _one(503, "transient", text)


def database_unavailable(retry_after_s: int = 5) -> FhirError:
    """The database is out of reach: a dependency outage, not a fault of the request."""
    error = _one(503, "transient", "The service's database is unavailable; retry shortly")
    error.headers["Retry-After"] = str(retry_after_s)
    return error


def too_slow(retry_after_s: int = 5) -> FhirError:
    """A statement ran past the per-request time limit and was cancelled."""
    error = _one(
        503, "transient", "The request took too long and was stopped; narrow it or retry later"
    )
    error.headers["Retry-After"] = str(retry_after_s)
    return error
