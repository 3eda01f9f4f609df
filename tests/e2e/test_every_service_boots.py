"""Every service starts on the kernel: migrations, a valid CapabilityStatement, health.

Each service is built by its own `create_app` on a fresh database with the real Kafka,
exactly as `make run` starts it, and must describe itself truthfully at
`/fhir/metadata` (validated as an R4 CapabilityStatement) and answer `/healthz`,
`/readyz` and `/metrics`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from care_plans.main import create_app as care_plans_app
from care_plans.settings import CarePlansSettings
from carecoord_devstack.testing import create_fresh_database, serving, settings_under_test
from carecoord_shared.security.dev_issuer import DevIssuer
from mdt.main import create_app as mdt_app
from mdt.settings import MdtSettings
from portal.main import create_app as portal_app
from portal.settings import PortalSettings
from referrals.main import create_app as referrals_app
from referrals.settings import ReferralsSettings

SERVICES: list[tuple[str, Any, Any]] = [
    ("portal", portal_app, PortalSettings),
    ("referrals", referrals_app, ReferralsSettings),
    ("care_plans", care_plans_app, CarePlansSettings),
    ("mdt", mdt_app, MdtSettings),
]


@pytest.mark.parametrize(
    ("name", "factory", "settings_class"), SERVICES, ids=[s[0] for s in SERVICES]
)
async def test_the_service_boots_and_describes_itself(
    name: str, factory: Any, settings_class: Any, kafka_bootstrap: str, tmp_path: Path
) -> None:
    issuer = DevIssuer(tmp_path / "issuer")
    settings = settings_under_test(
        settings_class,
        database_url=await create_fresh_database(name),
        jwks_url=issuer.jwks_url,
        kafka_bootstrap=kafka_bootstrap,
    )
    app = factory(settings)
    async with serving(app, "http://service") as client:
        metadata = await client.get("/fhir/metadata")
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
        metrics = await client.get("/metrics")
        anonymous_search = await client.get(f"/fhir/{_first_type(metadata.json())}")

    assert metadata.status_code == 200
    statement = CapabilityStatement.model_validate(metadata.json())
    assert statement.fhirVersion == "4.0.1"
    assert statement.rest[0].resource, f"{name} declares no resource types"
    assert health.status_code == 200
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": True, "kafka": True}
    assert b"http_requests_total" in metrics.content
    assert anonymous_search.status_code == 401
    assert anonymous_search.json()["resourceType"] == "OperationOutcome"


def _first_type(metadata: dict[str, Any]) -> str:
    return str(metadata["rest"][0]["resource"][0]["type"])
