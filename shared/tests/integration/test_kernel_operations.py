"""Operations every service gets from the kernel: break-glass and the AsyncAPI document.

Built on a minimal service (one patient-data resource type) so the kernel is proved
without any service's own rules: a clinician with no relationship is refused, breaks
the glass with a reason, then reads, and the override is audited; bad Parameters get
OperationOutcomes; the event catalogue is served as AsyncAPI.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from carecoord_devstack.testing import serving
from carecoord_shared.fhir.registry import FhirRegistry, ResourceDefinition, nhs_number_at
from carecoord_shared.security.audit import audit_event
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.web.app import create_service_app
from shared.tests.example_service import example_settings

NHS = "9990000018"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def _schemas(folder: Path) -> Path:
    folder.mkdir()
    (folder / "carecoord.example.happened.v1.json").write_text(
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": "carecoord.example.happened.v1",
                "title": "carecoord.example.happened.v1",
                "type": "object",
                "properties": {"what": {"type": "string"}},
            }
        )
    )
    return folder


@pytest.fixture
async def kernel(fresh_database_url: str, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    issuer = DevIssuer(tmp_path / "issuer")
    settings = example_settings(fresh_database_url, issuer)
    registry = FhirRegistry("example").add(
        ResourceDefinition("Communication", patient_nhs=nhs_number_at("Communication.subject"))
    )
    app = create_service_app(
        settings, registry, title="example", event_schemas=_schemas(tmp_path / "schemas")
    )
    async with serving(app, "http://k") as client:
        system = {"Authorization": f"Bearer {issuer.mint('system')}"}
        created = await client.post(
            "/fhir/Communication",
            json={
                "resourceType": "Communication",
                "status": "completed",
                "subject": {"identifier": {"system": NHS_SYSTEM, "value": NHS}},
            },
            headers={**system, "Content-Type": "application/fhir+json"},
        )
        assert created.status_code == 201
        gp = {"Authorization": f"Bearer {issuer.mint('gp', organisation='B82002', user='777')}"}
        yield {
            "client": client,
            "id": created.json()["id"],
            "gp": gp,
            "app": app,
            "settings": settings,
        }


def _break_glass(reason: str | None, nhs: str = NHS, minutes: int | None = None) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": "patient", "valueIdentifier": {"system": NHS_SYSTEM, "value": nhs}},
        {"name": "reasonCode", "valueCode": "emergency-treatment"},
    ]
    if reason is not None:
        parameters.append({"name": "reason", "valueString": reason})
    if minutes is not None:
        parameters.append({"name": "minutes", "valueInteger": minutes})
    return {"resourceType": "Parameters", "parameter": parameters}


async def test_breaking_the_glass_with_a_reason_opens_the_record_and_is_audited(
    kernel: dict[str, Any],
) -> None:
    client: httpx.AsyncClient = kernel["client"]
    url = f"/fhir/Communication/{kernel['id']}"
    assert (await client.get(url, headers=kernel["gp"])).status_code == 404

    broken = await client.post(
        "/fhir/$break-glass",
        json=_break_glass("Unconscious in ED, no GP record available"),
        headers={**kernel["gp"], "Content-Type": "application/fhir+json"},
    )

    assert broken.status_code == 200
    assert broken.json()["issue"][0]["severity"] == "information"
    assert (await client.get(url, headers=kernel["gp"])).status_code == 200
    async with kernel["app"].state.engine.connect() as conn:
        purposes = (
            (
                await conn.execute(
                    select(audit_event.c.purpose).where(
                        audit_event.c.subject == "777", audit_event.c.patient_nhs == NHS
                    )
                )
            )
            .scalars()
            .all()
        )
    assert any(
        p and p.startswith("break-glass: emergency-treatment: Unconscious") for p in purposes
    )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (_break_glass(None), 400, "required"),
        (_break_glass("  "), 400, "required"),
        (_break_glass("unconscious in the ED", nhs="9990000019"), 400, "invalid"),
        (_break_glass("unconscious in the ED", minutes=100_000), 400, "invalid"),
        (_break_glass("unconscious in the ED", minutes=0), 400, "invalid"),
        ({"resourceType": "Patient"}, 400, "invalid"),
    ],
    ids=[
        "no-reason",
        "blank-reason",
        "bad-nhs-number",
        "too-long",
        "zero-minutes",
        "not-parameters",
    ],
)
async def test_break_glass_refuses_bad_parameters_and_opens_nothing(
    kernel: dict[str, Any], body: dict[str, Any], status: int, code: str
) -> None:
    client: httpx.AsyncClient = kernel["client"]
    response = await client.post(
        "/fhir/$break-glass",
        json=body,
        headers={**kernel["gp"], "Content-Type": "application/fhir+json"},
    )

    assert response.status_code == status
    assert response.json()["issue"][0]["code"] == code
    url = f"/fhir/Communication/{kernel['id']}"
    assert (await client.get(url, headers=kernel["gp"])).status_code == 404


async def test_a_patient_cannot_break_the_glass(kernel: dict[str, Any], tmp_path: Path) -> None:
    client: httpx.AsyncClient = kernel["client"]
    issuer = DevIssuer(tmp_path / "issuer")
    patient = {"Authorization": f"Bearer {issuer.mint('patient', nhs_number='9990000026')}"}

    response = await client.post(
        "/fhir/$break-glass",
        json=_break_glass("curious about my own record"),
        headers={**patient, "Content-Type": "application/fhir+json"},
    )

    assert response.status_code == 403
    async with kernel["app"].state.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(audit_event)
            .where(audit_event.c.purpose.like("break-glass%"))
        )
    assert count == 0


async def test_the_capability_statement_declares_break_glass(kernel: dict[str, Any]) -> None:
    metadata = (await kernel["client"].get("/fhir/metadata")).json()

    assert [op["name"] for op in metadata["rest"][0]["operation"]] == ["break-glass"]


async def test_the_event_catalogue_is_served_as_asyncapi(kernel: dict[str, Any]) -> None:
    document = (await kernel["client"].get("/asyncapi.json")).json()

    assert document["asyncapi"].startswith("3.")
    assert "carecoord.example.v1" in json.dumps(document["channels"])
    assert "carecoord.example.happened.v1" in json.dumps(document["components"])
    settings = kernel["settings"]
    hosts = [s["host"] for s in document["servers"].values()]
    assert hosts == settings.kafka_bootstrap_servers.split(",")
    assert document["info"]["x-fhir-base"] == settings.fhir_base
    assert document["info"]["externalDocs"]["url"] == settings.fhir_base
