"""Every service starts on the kernel: migrations, a valid CapabilityStatement, health.

Each service is built by its own `create_app` on a fresh database with the real Kafka,
exactly as `make run` starts it, and must describe itself truthfully at
`/fhir/metadata` (validated as an R4 CapabilityStatement), answer `/healthz`,
`/readyz` and `/metrics`, and serve its AsyncAPI document naming its Kafka servers and
FHIR base (issue 14, item 4). Every operation its declaration names is in that
CapabilityStatement by its OperationDefinition's URL, that definition is served and
validates, says whether the operation changes state, and the operation answers its own
methods only: POST, and GET too when it changes nothing; 405 with `Allow` otherwise
(issue 9). The lists are the declarations', so a new operation is checked here too.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationdefinition import OperationDefinition

from care_plans.main import create_app as care_plans_app
from care_plans.settings import CarePlansSettings
from carecoord_devstack.testing import create_fresh_database, serving, settings_under_test
from carecoord_shared.fhir.operations import Operation
from carecoord_shared.security.dev_issuer import DevIssuer
from mdt.main import create_app as mdt_app
from mdt.settings import MdtSettings
from portal.main import create_app as portal_app
from portal.settings import PortalSettings
from referrals.main import create_app as referrals_app
from referrals.settings import ReferralsSettings

ALLOW = {True: "POST", False: "GET, HEAD, POST"}
"""What a 405 from an operation allows, by whether the operation changes state."""

SERVICES: list[tuple[str, Any, Any]] = [
    ("portal", portal_app, PortalSettings),
    ("referrals", referrals_app, ReferralsSettings),
    ("care_plans", care_plans_app, CarePlansSettings),
    ("mdt", mdt_app, MdtSettings),
]


@pytest.fixture(scope="module", params=SERVICES, ids=[s[0] for s in SERVICES])
async def service(
    request: pytest.FixtureRequest, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, Any, httpx.AsyncClient]]:
    """Each service in turn, started as `make run` starts it: (name, settings, client)."""
    name, factory, settings_class = request.param
    issuer = DevIssuer(tmp_path_factory.mktemp("issuer"))
    settings = settings_under_test(
        settings_class,
        database_url=await create_fresh_database(name),
        jwks_url=issuer.jwks_url,
        kafka_bootstrap=kafka_bootstrap,
    )
    async with serving(factory(settings), "http://service") as client:
        yield name, settings, client


async def test_the_service_boots_and_describes_itself(
    service: tuple[str, Any, httpx.AsyncClient],
) -> None:
    name, _, client = service
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


async def test_the_asyncapi_document_names_kafka_and_the_fhir_base(
    service: tuple[str, Any, httpx.AsyncClient],
) -> None:
    _, settings, client = service
    document = (await client.get("/asyncapi.json")).json()

    hosts = [server["host"] for server in document["servers"].values()]
    assert hosts == settings.kafka_bootstrap_servers.split(",")
    assert document["info"]["x-fhir-base"] == settings.fhir_base


async def test_every_declared_operation_is_described_and_answers_its_own_methods(
    service: tuple[str, Any, httpx.AsyncClient],
) -> None:
    name, _, client = service
    declared: list[Operation] = importlib.import_module(f"{name}.definition").SERVICE.operations
    listed = _operation_definitions_in(CapabilityStatement.model_validate(
        (await client.get("/fhir/metadata")).json()
    ))  # fmt: skip
    assert declared, f"{name} declares no operation"

    for operation in declared:
        served = await client.get(f"/fhir/OperationDefinition/{operation.code}")
        assert served.status_code == 200, served.text
        definition = OperationDefinition.model_validate(served.json())
        assert definition.url in listed, f"${operation.code} is not in the CapabilityStatement"
        assert definition.affectsState is operation.changes_state, operation.code
        path = operation.path.replace("{resource_id}", "any-id")
        # Invoked without a token or arguments: an allowed method reaches the operation's
        # own checks (401; 400 for the front door's anonymous screening, which needs
        # an age), any other is refused before them.
        reached = (400, "required") if operation.anonymous else (401, "login")
        for method in ("GET", "POST", "PUT", "DELETE"):
            answer = await client.request(method, path)
            code = answer.json()["issue"][0]["code"]
            if method in operation.methods:
                assert (answer.status_code, code) == reached, (operation.code, method)
                continue
            assert (answer.status_code, code) == (405, "not-supported"), (operation.code, method)
            assert answer.headers["Allow"] == ALLOW[operation.changes_state], operation.code


def _operation_definitions_in(statement: CapabilityStatement) -> set[str]:
    """The definition URL of every operation the statement lists, on a type or the system."""
    assert statement.rest
    rest = statement.rest[0]
    on_types = [op for resource in rest.resource or [] for op in resource.operation or []]
    return {str(op.definition) for op in [*on_types, *(rest.operation or [])]}


def _first_type(metadata: dict[str, Any]) -> str:
    return str(metadata["rest"][0]["resource"][0]["type"])
