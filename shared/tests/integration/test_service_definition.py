"""A service declared once: the kernel assembles its API (typed operations included)
and its worker (consumers and jobs) from the declaration.

A minimal service proves the mechanism without any service's own rules: a read-only
operation answers GET and POST alike, a state-changing one refuses GET with 405 and
`Allow`, bad parameters answer 400 pointing at the parameter, the OperationDefinition
is valid R4 and listed in the CapabilityStatement, and the worker's consumers and
jobs act through units of work of the system principal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.operationdefinition import OperationDefinition

from carecoord_devstack.testing import serving
from carecoord_shared.db import create_engine
from carecoord_shared.events import Event, new_event
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from carecoord_shared.fhir.registry import ResourceDefinition, SearchParam, nhs_number_at
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.service import Consumer, Job, JobCall, ServiceDefinition
from carecoord_shared.settings import ServiceSettings
from carecoord_shared.web.app import build_app
from carecoord_shared.worker import build_worker
from shared.tests.example_service import example_settings

NHS = "9990000018"
SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def _message(status: str) -> dict[str, Any]:
    return {
        "resourceType": "Communication",
        "status": status,
        "subject": {"identifier": {"system": SYSTEM, "value": NHS}},
    }


async def _count(call: OperationCall) -> OperationResult:
    status = str(call.arguments.text("status"))
    async with call.fhir.reads(call.principal) as tx:
        found = await tx.search("Communication", [("status", status)])
    return COUNT.result(count=len(found.matches), status=status)


async def _close(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    async with call.fhir.operation(call.principal) as tx:
        current = await tx.read("Communication", call.resource_id, lock=True)
        body = {**current.as_json(), "status": "completed"}
        await tx.update("Communication", call.resource_id, body, if_match=current.version_id)
        await tx.outbox.announce(
            "carecoord.example.closed.v1",
            subject=current.reference,
            nhs_number=NHS,
            data={"reason": call.arguments.text("reason")},
        )
    return CLOSE.result(closed=True)


COUNT = Operation(
    "count-by-status",
    "Count messages",
    "How many messages have a status.",
    _count,
    resource="Communication",
    level="type",
    changes_state=False,
    inputs=(
        Param("status", "code", 1, 1, "The status.", values=("completed", "in-progress")),
        Param("limit", "integer", 0, 1, "Ignored; proves integers are typed."),
    ),
    outputs=(Param("count", "integer", 1, 1), Param("status", "code", 1, 1)),
)
CLOSE = Operation(
    "close",
    "Close a message",
    "Mark it completed and announce it.",
    _close,
    resource="Communication",
    inputs=(Param("reason", "string", 1, 1, "Why."),),
    outputs=(Param("closed", "boolean", 1, 1),),
)


async def _who(call: OperationCall) -> OperationResult:
    return WHO.result(subject=call.principal.subject)


WHO = Operation(
    "who-am-i",
    "Who is calling",
    "Answers without a token too: the front door's screening is such an operation.",
    _who,
    level="system",
    changes_state=False,
    anonymous=True,
    outputs=(Param("subject", "string", 1, 1),),
)


async def _on_happened(tx: FhirTransaction, event: Event, context: str) -> None:
    await tx.create("Communication", {**_message("completed"), "note": [{"text": context}]})


async def _tick(call: JobCall) -> int:
    async with call.fhir.operation(call.principal) as tx:
        await tx.create("Communication", _message("in-progress"))
    return 1


EXAMPLE = ServiceDefinition(
    name="example",
    title="Example",
    description="A service declared for the kernel's own tests.",
    settings=ServiceSettings,
    context=lambda _settings, _clock: "from the context",
    resources=lambda _context: (
        ResourceDefinition(
            "Communication",
            patient_nhs=nhs_number_at("Communication.subject"),
            search_params=(SearchParam("status", "token", "Communication.status"),),
        ),
    ),
    operations=(COUNT, CLOSE, WHO),
    consumers=(Consumer("carecoord.example.happened.v1", lambda s: s.topic, _on_happened),),
    jobs=(Job("tick", lambda _s: 60.0, _tick),),
)


@pytest.fixture
async def example(fresh_database_url: str, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    issuer = DevIssuer(tmp_path / "issuer")
    settings = example_settings(fresh_database_url, issuer)
    app = build_app(EXAMPLE, settings)
    async with serving(app, "http://x") as client:
        system = {"Authorization": f"Bearer {issuer.mint('system')}"}
        for status in ("completed", "completed", "in-progress"):
            made = await client.post("/fhir/Communication", json=_message(status), headers=system)
            assert made.status_code == 201
        yield {"client": client, "system": system, "issuer": issuer, "settings": settings}


def _parameters(**values: Any) -> dict[str, Any]:
    parts = []
    for name, value in values.items():
        key = {str: "valueCode", int: "valueInteger"}[type(value)]
        parts.append({"name": name, key: value})
    return {"resourceType": "Parameters", "parameter": parts}


async def test_a_read_only_operation_answers_get_and_post_alike(example: dict[str, Any]) -> None:
    client, system = example["client"], example["system"]
    by_get = await client.get(
        "/fhir/Communication/$count-by-status?status=completed&limit=3", headers=system
    )
    by_post = await client.post(
        "/fhir/Communication/$count-by-status",
        json=_parameters(status="completed", limit=3),
        headers=system,
    )
    assert by_get.status_code == by_post.status_code == 200
    assert by_get.json() == by_post.json()
    assert by_get.json()["parameter"] == [
        {"name": "count", "valueInteger": 2},
        {"name": "status", "valueCode": "completed"},
    ]


async def test_a_state_changing_operation_refuses_get_with_allow(example: dict[str, Any]) -> None:
    client, system = example["client"], example["system"]
    refused = await client.get("/fhir/Communication/abc/$close?reason=done", headers=system)
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"
    assert refused.json()["issue"][0]["code"] == "not-supported"


@pytest.mark.parametrize(
    ("query", "where", "code"),
    [
        ("", "status", "required"),
        ("status=completed&status=completed", "status", "invalid"),
        ("status=cancelled", "status", "invalid"),
        ("status=completed&limit=many", "limit", "invalid"),
        ("status=completed&colour=red", "colour", "invalid"),
    ],
)
async def test_bad_parameters_answer_400_naming_the_parameter(
    example: dict[str, Any], query: str, where: str, code: str
) -> None:
    client, system = example["client"], example["system"]
    answer = await client.get(f"/fhir/Communication/$count-by-status?{query}", headers=system)
    assert answer.status_code == 400
    [issue] = answer.json()["issue"]
    assert issue["code"] == code
    assert issue["expression"] == [f"Parameters.parameter.where(name='{where}')"]


async def test_a_parameter_of_the_wrong_type_is_named(example: dict[str, Any]) -> None:
    body = {"resourceType": "Parameters", "parameter": [{"name": "reason", "valueInteger": 1}]}
    answer = await example["client"].post(
        "/fhir/Communication/abc/$close", json=body, headers=example["system"]
    )
    assert answer.status_code == 400
    assert "valueString" in answer.json()["issue"][0]["diagnostics"]


async def test_the_scope_decides_who_may_invoke(example: dict[str, Any]) -> None:
    token = example["issuer"].mint("system", scopes="system/Communication.rs")
    headers = {"Authorization": f"Bearer {token}"}
    client = example["client"]
    assert (
        await client.get("/fhir/Communication/$count-by-status?status=completed", headers=headers)
    ).status_code == 200
    closing = _parameters() | {"parameter": [{"name": "reason", "valueString": "x"}]}
    refused = await client.post("/fhir/Communication/abc/$close", json=closing, headers=headers)
    assert refused.status_code == 403


async def test_operation_definitions_are_valid_r4_and_in_the_capability_statement(
    example: dict[str, Any],
) -> None:
    client, system = example["client"], example["system"]
    definition = (await client.get("/fhir/OperationDefinition/count-by-status")).json()
    model = OperationDefinition.model_validate(definition)
    assert (model.code, model.affectsState, model.type, model.instance) == (
        "count-by-status",
        False,
        True,
        False,
    )
    assert [(p.name, p.use, p.min, p.max, p.type) for p in model.parameter or []][:2] == [
        ("status", "in", 1, "1", "code"),
        ("limit", "in", 0, "1", "integer"),
    ]
    listed = (await client.get("/fhir/OperationDefinition")).json()
    assert {e["resource"]["code"] for e in listed["entry"]} >= {"count-by-status", "close"}
    statement = (await client.get("/fhir/metadata", headers=system)).json()
    [communication] = [r for r in statement["rest"][0]["resource"] if r["type"] == "Communication"]
    assert {op["definition"] for op in communication["operation"]} == {
        definition["url"],
        (await client.get("/fhir/OperationDefinition/close")).json()["url"],
    }


async def test_the_worker_is_assembled_from_the_declaration(example: dict[str, Any]) -> None:
    settings: ServiceSettings = example["settings"]
    worker = build_worker(EXAMPLE, settings)
    [subscription] = worker.subscriptions
    assert subscription.topics == ("carecoord.example.v1",)
    engine = create_engine(settings.db_url, 2)
    try:
        event = new_event(
            "carecoord.example.happened.v1", source="urn:x", subject="x", data={}, nhs_number=NHS
        )
        async with engine.begin() as conn:
            await subscription.handlers["carecoord.example.happened.v1"](conn, event)
        job, purge = worker.jobs
        assert (job.name, purge.name) == ("tick", "inbox-purge")
        assert await job.run(engine) == 1
    finally:
        await engine.dispose()
    found = await example["client"].get("/fhir/Communication?_count=50", headers=example["system"])
    statuses = sorted(e["resource"]["status"] for e in found.json()["entry"])
    notes = [e["resource"].get("note") for e in found.json()["entry"] if e["resource"].get("note")]
    assert statuses == ["completed"] * 3 + ["in-progress"] * 2
    assert notes == [[{"text": "from the context"}]]


async def test_an_anonymous_operation_answers_without_a_token_but_never_a_bad_one(
    example: dict[str, Any],
) -> None:
    client = example["client"]
    anonymous = await client.get("/fhir/$who-am-i")
    assert anonymous.status_code == 200
    assert anonymous.json()["parameter"] == [{"name": "subject", "valueString": "anonymous"}]
    bad = await client.get("/fhir/$who-am-i", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    known = await client.get("/fhir/$who-am-i", headers=example["system"])
    assert known.json()["parameter"][0]["valueString"] != "anonymous"
    assert (
        await client.get("/fhir/Communication/$count-by-status?status=completed")
    ).status_code == 401
