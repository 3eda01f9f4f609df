"""Every operation is declared once and served as declared, over HTTP.

Its OperationDefinition is valid R4 and in the CapabilityStatement; a read-only
operation answers GET and POST alike; one that changes state refuses GET with 405
and an `Allow` header; the AsyncAPI document lists what the service publishes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.operationdefinition import OperationDefinition

from carecoord_shared.security import access
from carecoord_shared.security.dev_issuer import DevIssuer
from services.referrals.tests.conftest import (
    Clock,
    Referrals,
    SettingsFactory,
    started_referrals,
)
from services.referrals.tests.flows import submit, triage

OPERATIONS = {
    "triage": ("ServiceRequest", True),
    "triage-history": ("ServiceRequest", False),
    "response-report": ("HealthcareService", False),
    "advice-lines": ("HealthcareService", False),
    "record-advice-call": ("Communication", True),
    "avoided-conveyance": ("HealthcareService", False),
    "paramedic-summary": ("Patient", False),
    "advice-call-grants": (None, False),
}
AMBULANCE = "Y0T004"


@pytest.fixture(scope="module")
async def pinned(
    issuer: DevIssuer, referrals_settings_factory: SettingsFactory, infrastructure: None
) -> AsyncIterator[Referrals]:
    """An app on a pinned clock, so two calls of a report give the same `date`."""
    clock = Clock(datetime(2026, 6, 10, 9, tzinfo=UTC))
    async with started_referrals(issuer, referrals_settings_factory, clock) as harness:
        yield harness


async def test_every_operation_definition_is_valid_r4(pinned: Referrals) -> None:
    for code, (resource, changes_state) in OPERATIONS.items():
        response = await pinned.client.get(f"/fhir/OperationDefinition/{code}")

        assert response.status_code == 200, code
        definition = response.json()
        OperationDefinition.model_validate(definition)
        assert definition["code"] == code
        assert definition.get("resource") == ([resource] if resource else None)
        assert definition["system"] is (resource is None)
        assert definition["affectsState"] is changes_state


async def test_every_operation_definition_is_listed(pinned: Referrals) -> None:
    response = await pinned.client.get("/fhir/OperationDefinition")

    assert response.status_code == 200
    listed = {entry["resource"]["code"] for entry in response.json()["entry"]}
    assert listed == {*OPERATIONS, "break-glass"}


def _capability_operations(statement: dict[str, Any]) -> dict[str, str]:
    (rest,) = statement["rest"]
    return {
        op["name"]: entry["type"] for entry in rest["resource"] for op in entry.get("operation", [])
    }


async def test_the_capability_statement_lists_the_operations_on_served_types(
    pinned: Referrals,
) -> None:
    statement = (await pinned.client.get("/fhir/metadata")).json()

    listed = _capability_operations(statement)
    served = {k: v for k, v in OPERATIONS.items() if v[0] not in ("Patient", None)}
    assert {name: listed.get(name) for name in served} == {k: v[0] for k, v in served.items()}
    (rest,) = statement["rest"]
    assert {op["name"] for op in rest["operation"]} == {"advice-call-grants", "break-glass"}


async def test_the_capability_statement_lists_the_paramedic_summary(pinned: Referrals) -> None:
    statement = (await pinned.client.get("/fhir/metadata")).json()

    assert _capability_operations(statement).get("paramedic-summary") == "Patient"


async def test_an_operation_that_changes_state_refuses_get(pinned: Referrals) -> None:
    request = await submit(pinned)

    for url in (
        f"/fhir/ServiceRequest/{request['id']}/$triage",
        "/fhir/Communication/$record-advice-call",
    ):
        response = await pinned.client.get(url, headers=pinned.auth())
        assert response.status_code == 405, url
        assert response.headers["Allow"] == "POST"
        assert response.json()["resourceType"] == "OperationOutcome"


def _as_parameters(params: dict[str, str]) -> dict[str, Any]:
    kinds = {"specialty": "valueString", "locality": "valueCode", "at": "valueString"}
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": k, kinds[k]: v} for k, v in params.items()],
    }


async def _get_and_post(
    referrals: Referrals, url: str, headers: dict[str, str], params: dict[str, str] | None = None
) -> tuple[Any, Any]:
    got = await referrals.client.get(url, params=params or {}, headers=headers)
    posted = await referrals.client.post(
        url,
        json=_as_parameters(params or {}),
        headers={**headers, "Content-Type": "application/fhir+json"},
    )
    assert got.status_code == 200, got.text
    assert posted.status_code == 200, posted.text
    return got.json(), posted.json()


async def _paramedic_on_a_call(referrals: Referrals, nhs_number: str) -> dict[str, str]:
    """A paramedic with a running advice-call access to the patient (as recording the
    call gives them)."""
    async with referrals.engine.begin() as conn:
        until = datetime.now(UTC) + timedelta(minutes=30)
        await access.grant(conn, nhs_number, "user", "medic-1", "advice-call", valid_to=until)
    return referrals.auth("paramedic", AMBULANCE, user="medic-1")


async def test_a_read_only_operation_answers_get_and_post_alike(pinned: Referrals) -> None:
    request = await submit(pinned)
    await triage(pinned, request["id"], "accepted")
    nhs_number = request["subject"]["identifier"]["value"]
    service = pinned.default_service
    calls = [
        (f"/fhir/ServiceRequest/{request['id']}/$triage-history", pinned.auth(), None),
        (f"/fhir/HealthcareService/{service}/$response-report", pinned.auth(), None),
        (f"/fhir/HealthcareService/{service}/$avoided-conveyance", pinned.auth(), None),
        (
            "/fhir/HealthcareService/$advice-lines",
            pinned.auth(),
            {"specialty": "http://snomed.info/sct|394811001", "locality": "locality-1"},
        ),
        (
            f"/fhir/Patient/{nhs_number}/$paramedic-summary",
            await _paramedic_on_a_call(pinned, nhs_number),
            None,
        ),
    ]

    for url, headers, params in calls:
        got, posted = await _get_and_post(pinned, url, headers, params)
        assert got == posted, url
    history = await pinned.client.get(calls[0][0], headers=pinned.auth())
    (transition,) = history.json()["parameter"]
    parts = {p["name"]: p for p in transition["part"]}
    assert parts["outcome"]["valueCode"] == "accepted"


async def test_a_read_only_operation_refuses_an_unknown_parameter(pinned: Referrals) -> None:
    response = await pinned.client.get(
        "/fhir/HealthcareService/$advice-lines",
        params={"specialty": "x", "colour": "blue"},
        headers=pinned.auth(),
    )

    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == [
        "Parameters.parameter.where(name='colour')"
    ]


async def test_the_asyncapi_document_lists_every_event_published(pinned: Referrals) -> None:
    response = await pinned.client.get("/asyncapi.json")

    assert response.status_code == 200, response.text
    document = response.json()
    assert document["asyncapi"] == "3.0.0"
    (channel,) = document["channels"].values()
    assert set(channel["messages"]) == {
        "carecoord.referral.submitted.v1",
        "carecoord.referral.revised.v1",
        "carecoord.referral.withdrawn.v1",
        "carecoord.referral.routed.v1",
        "carecoord.referral.triaged.v1",
        "carecoord.referral.converted.v1",
        "carecoord.referral.message-added.v1",
        "carecoord.referral.breach-imminent.v1",
        "carecoord.referral.breached.v1",
        "carecoord.advice-call.recorded.v1",
    }
