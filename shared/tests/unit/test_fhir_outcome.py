"""One vocabulary of outcomes: each maps to its HTTP status and renders a valid R4 outcome."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from carecoord_shared.fhir import outcome
from carecoord_shared.fhir.outcome import FhirError, Issue, operation_outcome


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (lambda: outcome.bad_request("bad"), 400, "invalid"),
        (lambda: outcome.bad_request("bad", ("x",), "structure"), 400, "structure"),
        (lambda: outcome.invalid([Issue("value", "bad")]), 400, "value"),
        (lambda: outcome.unauthorized(), 401, "login"),
        (lambda: outcome.forbidden(), 403, "forbidden"),
        (lambda: outcome.not_found("Task", "t1"), 404, "not-found"),
        (lambda: outcome.unknown_route("nothing here"), 404, "not-supported"),
        (lambda: outcome.method_not_allowed("no"), 405, "not-supported"),
        (lambda: outcome.conflict("raced"), 409, "conflict"),
        (lambda: outcome.gone("Task", "t1"), 410, "deleted"),
        (lambda: outcome.precondition_failed("stale"), 412, "conflict"),
        (lambda: outcome.too_large(10), 413, "too-costly"),
        (lambda: outcome.unsupported_media_type("text/plain"), 415, "not-supported"),
        (lambda: outcome.business_rule("no"), 422, "business-rule"),
        (lambda: outcome.precondition_required("If-Match"), 428, "required"),
        (lambda: outcome.internal_error("corr-1"), 500, "exception"),
        (lambda: outcome.unavailable("later"), 503, "transient"),
    ],
)
def test_each_outcome_has_its_status_and_renders_a_valid_operation_outcome(
    make: Callable[[], FhirError], status: int, code: str
) -> None:
    error = make()

    rendered = operation_outcome(error.issues)

    assert error.status == status
    assert [issue["code"] for issue in rendered["issue"]] == [code]
    OperationOutcome.model_validate(rendered)


def test_an_issue_carries_its_fhirpath_expression_only_when_it_has_one() -> None:
    rendered = operation_outcome(
        [Issue("required", "Missing intent", ("ServiceRequest.intent",)), Issue("value", "bad")]
    )

    assert rendered == {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "required",
                "diagnostics": "Missing intent",
                "expression": ["ServiceRequest.intent"],
            },
            {"severity": "error", "code": "value", "diagnostics": "bad"},
        ],
    }


def test_a_401_tells_the_client_how_to_authenticate() -> None:
    assert outcome.unauthorized().headers == {"WWW-Authenticate": 'Bearer realm="carecoord"'}


def test_a_500_says_only_the_correlation_id() -> None:
    (issue,) = outcome.internal_error("corr-77").issues

    assert "corr-77" in issue.diagnostics
    assert issue.expression == ()


def test_an_echoed_media_type_is_truncated() -> None:
    (issue,) = outcome.unsupported_media_type("x" * 5000).issues

    assert len(issue.diagnostics) < 200


def test_a_warning_issue_keeps_its_severity() -> None:
    rendered = operation_outcome([Issue("not-supported", "ignored", severity="warning")])

    assert rendered["issue"][0]["severity"] == "warning"
    OperationOutcome.model_validate(rendered)
