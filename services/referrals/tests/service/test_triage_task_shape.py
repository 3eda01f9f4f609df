"""The triage Task a submission builds itself is stored without a second R4 model
validation (`server_built`, issue 16): every shape it can take must be valid R4 Task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.parsing import validate_resource
from referrals.fhir import tasks
from services.referrals.tests.bodies import service_request

NHS_NUMBER = "9000000009"
SUBMITTED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def _request(**changes: Any) -> dict[str, Any]:
    """A request as `submit` has checked it (validated, UBRN and performer given)."""
    body = service_request(NHS_NUMBER, ubrn="a.000000000001")
    body["performer"] = [{"reference": "HealthcareService/s1"}]
    body.update(changes)
    return validate_resource(body, "ServiceRequest")


@pytest.mark.parametrize(
    "request_body",
    [
        _request(),
        *(_request(priority=p) for p in ("urgent", "asap", "stat")),
        {key: value for key, value in _request().items() if key != "priority"},
        _request(subject={"reference": "Patient/p1", "display": "Ann Smith"}),
        _request(requester={"reference": "PractitionerRole/r1", "display": "Dr Jones"}),
    ],
    ids=["routine", "urgent", "asap", "stat", "no-priority", "patient-reference", "role"],
)
def test_every_triage_task_a_checked_request_gives_is_valid_r4(
    request_body: dict[str, Any],
) -> None:
    task = tasks.triage_task(
        "ServiceRequest/r1",
        request_body,
        "HealthcareService/s1",
        SUBMITTED,
        SUBMITTED + timedelta(days=10),
    )

    assert validate_resource(task, "Task") is task


def test_the_model_check_it_skips_would_refuse_a_broken_task() -> None:
    task = tasks.triage_task(
        "ServiceRequest/r1", _request(), "HealthcareService/s1", SUBMITTED, SUBMITTED
    )
    task["for"] = "Patient/p1"  # a string where R4 wants a Reference

    with pytest.raises(FhirError):
        validate_resource(task, "Task")
