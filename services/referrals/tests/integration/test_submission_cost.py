"""What an A&G submission routed by specialty (the bench's) costs PostgreSQL (issue 16).

The request and its triage Task are stored in one statement; the statements a
submission may send are counted, so a change that adds round trips fails here.
"""

from __future__ import annotations

from carecoord_shared.testing.statements import counting
from services.referrals.tests.bodies import service_request
from services.referrals.tests.conftest import Referrals
from services.referrals.tests.flows import referrer, tasks_for

MOST_STATEMENTS = 6
"""Relationship check, the services of the specialty, UBRN and case, request and Task,
the provider's grant, audit rows and events (9 before issue 16: the request and its
Task were stored apart, the practice's locality was looked up though no service of the
specialty serves particular localities, and the audit rows went in a statement of
their own)."""


async def test_a_submission_routed_by_specialty_stores_its_request_and_task_together(
    referrals: Referrals,
) -> None:
    body = service_request(await referrals.registered_patient())
    assert "performer" not in body

    with counting(referrals.app.state.engine) as seen:
        made = await referrals.client.post(
            "/fhir/ServiceRequest", json=body, headers=referrer(referrals)
        )

    assert made.status_code == 201, made.text
    assert seen.transactions == 1
    assert seen.count <= MOST_STATEMENTS, seen.statements
    assert seen.of("INSERT INTO resource (") == 1
    (last,) = [s for s in seen.statements if "INTO audit_event" in s]
    assert "INTO outbox" in last
    request = made.json()
    assert request["performer"] == [{"reference": f"HealthcareService/{referrals.default_service}"}]
    (task,) = await tasks_for(referrals, request["id"])
    assert task["focus"] == {"reference": f"ServiceRequest/{request['id']}"}
    assert task["for"] == request["subject"]
