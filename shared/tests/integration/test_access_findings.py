"""Regression tests for the access-control findings of issue 13 that the kernel owns.

Each test is named for its finding's number. They run on a minimal service (the
kernel only, no service's own rules) against the real PostgreSQL, so what they prove
holds for every service built on the kernel.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from carecoord_devstack.testing import serving
from carecoord_shared.fhir.registry import (
    FhirRegistry,
    ResourceDefinition,
    SearchParam,
    nhs_number_at,
)
from carecoord_shared.fhir.unit_of_work import fhir_transaction
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import system_principal
from carecoord_shared.web.app import create_service_app
from shared.tests.example_service import example_settings, running

NHS_A, NHS_C = "9990000018", "9990000026"
SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
PRACTICE_A, PRACTICE_C = "A11111", "C33333"


def _condition(nhs: str, text: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "subject": {"identifier": {"system": SYSTEM, "value": nhs}},
        "code": {"text": text},
    }


@pytest.fixture
async def kernel(fresh_database_url: str, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    issuer = DevIssuer(tmp_path / "issuer")
    settings = example_settings(fresh_database_url, issuer)
    registry = FhirRegistry(
        "example", topic=settings.topic, grant_reasons=frozenset({"registered-practice"})
    ).add(
        ResourceDefinition(
            "Condition",
            patient_nhs=nhs_number_at("Condition.subject"),
            search_params=(
                SearchParam("code", "token", "Condition.code"),
                SearchParam("subject", "reference", "Condition.subject", ("Patient",)),
            ),
        ),
        ResourceDefinition(
            "Communication",
            patient_nhs=nhs_number_at("Communication.subject"),
            patient_required=True,
        ),
        ResourceDefinition(
            "Task",
            patient_nhs=nhs_number_at("Task.for"),
            search_params=(SearchParam("focus", "reference", "Task.focus", ("Condition",)),),
        ),
    )
    async with running(settings, registry) as (app, client):
        async with fhir_transaction(
            app.state.engine, registry, system_principal("t"), authorised=True
        ) as tx:
            for nhs, practice in ((NHS_A, PRACTICE_A), (NHS_C, PRACTICE_C)):
                await tx.grants.grant(nhs, "organisation", practice, "registered-practice")
            await tx.link_patient("register-a", NHS_A)

        def bearer(role: str, **claims: Any) -> dict[str, str]:
            return {"Authorization": f"Bearer {issuer.mint(role, **claims)}"}

        yield {
            "bearer": bearer,
            "client": client,
            "system": bearer("system"),
            "gp_a": bearer("gp", organisation=PRACTICE_A, user="1"),
            "gp_c": bearer("gp", organisation=PRACTICE_C, user="3"),
            "patient_c": bearer("patient", nhs_number=NHS_C),
        }


async def test_finding_1_an_old_version_is_judged_by_its_own_patient(
    kernel: dict[str, Any],
) -> None:
    client = kernel["client"]
    made = await client.post(
        "/fhir/Condition", json=_condition(NHS_A, "diagnosis of A"), headers=kernel["system"]
    )
    assert made.status_code == 201
    condition_id = made.json()["id"]
    moved = await client.put(
        f"/fhir/Condition/{condition_id}",
        json={**_condition(NHS_C, "diagnosis of C"), "id": condition_id},
        headers=kernel["system"],
    )
    assert moved.status_code == 200
    version_1 = f"/fhir/Condition/{condition_id}/_history/1"
    for someone_else in ("gp_c", "patient_c"):
        refused = await client.get(version_1, headers=kernel[someone_else])
        assert refused.status_code == 404
        assert "diagnosis of A" not in refused.text
        history = await client.get(
            f"/fhir/Condition/{condition_id}/_history", headers=kernel[someone_else]
        )
        assert history.status_code == 200
        assert [e["resource"]["meta"]["versionId"] for e in history.json()["entry"]] == ["2"]
        assert "diagnosis of A" not in history.text
    own = await client.get(version_1, headers=kernel["gp_a"])
    assert own.status_code == 200
    assert own.json()["code"]["text"] == "diagnosis of A"
    current = await client.get(f"/fhir/Condition/{condition_id}", headers=kernel["gp_a"])
    assert current.status_code == 404  # the resource is about C now


async def test_finding_6_one_request_cannot_stall_the_database(kernel: dict[str, Any]) -> None:
    client, headers = kernel["client"], kernel["system"]
    repeated = "&".join(f"code=a{i}" for i in range(200))
    answer = await client.get(f"/fhir/Condition?{repeated}", headers=headers)
    assert answer.status_code == 400
    assert answer.json()["issue"][0]["code"] == "too-costly"
    many_values = ",".join(f"v{i}" for i in range(60))
    assert (
        await client.get(f"/fhir/Condition?code={many_values}", headers=headers)
    ).status_code == 400
    five = "&".join(f"code=a{i}" for i in range(5))
    assert (await client.get(f"/fhir/Condition?{five}", headers=headers)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/Condition?code=a%00b",
        "/fhir/Condition/abc%00",
        "/fhir/Condition/abc/_history/1%00",
    ],
)
async def test_finding_9_a_nul_byte_in_the_url_is_a_400(kernel: dict[str, Any], path: str) -> None:
    answer = await kernel["client"].get(path, headers=kernel["system"])
    assert answer.status_code == 400
    assert answer.json()["resourceType"] == "OperationOutcome"


def _nested_extension(depth: int) -> dict[str, Any]:
    extension: dict[str, Any] = {"url": "https://x.example/e", "valueString": "leaf"}
    for _ in range(depth):
        extension = {"url": "https://x.example/e", "extension": [extension]}
    return extension


@pytest.mark.parametrize(
    "body",
    [
        {**_condition(NHS_A, "a\u0000b")},
        {**_condition(NHS_A, "x"), "extension": [_nested_extension(150)]},
        {**_condition(NHS_A, "x"), "onsetDateTime": 20240101},
        {**_condition(NHS_A, "x"), "onsetPeriod": {"start": 5}},
    ],
    ids=["nul-in-string", "nested-150", "number-for-datetime", "number-in-period"],
)
async def test_finding_9_bad_bodies_are_400_never_500(
    kernel: dict[str, Any], body: dict[str, Any]
) -> None:
    answer = await kernel["client"].post("/fhir/Condition", json=body, headers=kernel["system"])
    assert answer.status_code == 400
    assert answer.json()["resourceType"] == "OperationOutcome"
    listed = await kernel["client"].get("/fhir/Condition", headers=kernel["system"])
    assert listed.status_code == 200
    assert listed.json()["resourceType"] == "Bundle"
    assert listed.json().get("entry", []) == []  # nothing was stored half-way


async def _condition_with_task(kernel: dict[str, Any], nhs: str) -> str:
    client = kernel["client"]
    made = await client.post("/fhir/Condition", json=_condition(nhs, "c"), headers=kernel["system"])
    task = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "for": {"identifier": {"system": SYSTEM, "value": nhs}},
        "focus": {"reference": f"Condition/{made.json()['id']}"},
    }
    assert (await client.post("/fhir/Task", json=task, headers=kernel["system"])).status_code == 201
    return str(made.json()["id"])


async def test_finding_5_includes_obey_the_scope_of_the_included_type(
    kernel: dict[str, Any],
) -> None:
    client, bearer = kernel["client"], kernel["bearer"]
    condition_id = await _condition_with_task(kernel, NHS_A)
    conditions_only = bearer("gp", organisation=PRACTICE_A, user="1", scopes="user/Condition.rs")
    refused = await client.get(
        f"/fhir/Condition?_id={condition_id}&_revinclude=Task:focus", headers=conditions_only
    )
    assert refused.status_code == 403
    tasks_only = bearer("gp", organisation=PRACTICE_A, user="1", scopes="user/Task.rs")
    found = await client.get("/fhir/Task?_include=Task:focus", headers=tasks_only)
    assert found.status_code == 200
    assert [e["resource"]["resourceType"] for e in found.json()["entry"]] == ["Task"]
    both = bearer("gp", organisation=PRACTICE_A, user="1", scopes="user/Task.rs user/Condition.rs")
    full = await client.get("/fhir/Task?_include=Task:focus", headers=both)
    assert sorted(e["resource"]["resourceType"] for e in full.json()["entry"]) == [
        "Condition",
        "Task",
    ]


async def test_a_system_client_sees_only_what_its_agreement_covers(
    kernel: dict[str, Any],
) -> None:
    client, bearer = kernel["client"], kernel["bearer"]
    await _condition_with_task(kernel, NHS_A)
    await _condition_with_task(kernel, NHS_C)
    partner_a = bearer("system", scopes="system/Condition.rs", agreement=PRACTICE_A)
    seen = await client.get("/fhir/Condition", headers=partner_a)
    assert seen.status_code == 200
    assert [e["resource"]["subject"]["identifier"]["value"] for e in seen.json()["entry"]] == [
        NHS_A
    ]
    no_agreement = bearer("system", scopes="system/Condition.rs", agreement="")
    nothing = await client.get("/fhir/Condition", headers=no_agreement)
    assert nothing.status_code == 200
    assert nothing.json().get("entry", []) == []


async def _trail(kernel: dict[str, Any], query: str) -> list[dict[str, Any]]:
    governance = kernel["bearer"]("information-governance", organisation="X26", user="ig-1")
    found = await kernel["client"].get(f"/fhir/AuditEvent?{query}", headers=governance)
    assert found.status_code == 200
    return [e["resource"] for e in found.json()["entry"]]


def _agent(event: dict[str, Any]) -> str:
    return str(event["agent"][0]["who"]["identifier"]["value"])


async def test_finding_7_every_refusal_is_audited(kernel: dict[str, Any]) -> None:
    client = kernel["client"]
    made = await client.post(
        "/fhir/Condition", json=_condition(NHS_A, "private"), headers=kernel["system"]
    )
    hidden = f"/fhir/Condition/{made.json()['id']}"
    assert (await client.get(hidden, headers=kernel["gp_c"])).status_code == 404
    written = await client.post(
        "/fhir/Condition", json=_condition(NHS_A, "x"), headers=kernel["gp_c"]
    )
    assert written.status_code == 403
    probe = await client.get(
        f"/fhir/Condition?subject:identifier={SYSTEM}|{NHS_A}", headers=kernel["gp_c"]
    )
    assert probe.status_code == 200
    assert probe.json().get("entry", []) == []
    refused = await _trail(kernel, f"outcome=4&agent=3&patient={SYSTEM}|{NHS_A}")
    assert sorted(e["action"] for e in refused) == ["C", "E", "R"]
    assert {_agent(e) for e in refused} == {"3"}


async def test_finding_7_the_audit_trail_is_served_to_governance_and_to_the_patient(
    kernel: dict[str, Any],
) -> None:
    client, bearer = kernel["client"], kernel["bearer"]
    made = await client.post(
        "/fhir/Condition", json=_condition(NHS_C, "c"), headers=kernel["system"]
    )
    assert (
        await client.get(f"/fhir/Condition/{made.json()['id']}", headers=kernel["gp_c"])
    ).status_code == 200
    mine = await client.get("/fhir/AuditEvent", headers=kernel["patient_c"])
    assert mine.status_code == 200
    assert {_agent(e["resource"]) for e in mine.json()["entry"]} >= {"3"}
    assert all(
        any(
            entity.get("what", {}).get("identifier", {}).get("value") == NHS_C
            for entity in e["resource"]["entity"]
        )
        for e in mine.json()["entry"]
    )
    someone_else = await client.get(
        f"/fhir/AuditEvent?patient={SYSTEM}|{NHS_A}", headers=kernel["patient_c"]
    )
    assert someone_else.status_code == 403
    assert (await client.get("/fhir/AuditEvent", headers=kernel["gp_c"])).status_code == 403
    assert await _trail(kernel, f"action=R&patient={NHS_C}")
    viewed = await _trail(kernel, "agent=ig-1&action=E")
    assert viewed, "reading the audit trail is itself audited"
    governance = bearer("information-governance", organisation="X26", user="ig-1")
    one = await client.get(f"/fhir/AuditEvent/{viewed[0]['id']}", headers=governance)
    assert one.status_code == 200
    assert one.json()["resourceType"] == "AuditEvent"
    statement = (await client.get("/fhir/metadata", headers=governance)).json()
    assert "AuditEvent" in {r["type"] for r in statement["rest"][0]["resource"]}


@pytest.mark.parametrize(
    "subject",
    [
        {"reference": "Patient/nobody-we-know"},
        {"display": "Mrs A Patient"},
        None,
    ],
    ids=["unknown-patient-reference", "display-only", "no-subject"],
)
async def test_finding_2_a_record_about_nobody_is_refused(
    kernel: dict[str, Any], subject: dict[str, Any] | None
) -> None:
    message: dict[str, Any] = {"resourceType": "Communication", "status": "completed"}
    if subject is not None:
        message["subject"] = subject
    for who in ("system", "patient_c"):
        refused = await kernel["client"].post(
            "/fhir/Communication", json=message, headers=kernel[who]
        )
        assert refused.status_code == 422, who
        assert refused.json()["issue"][0]["code"] == "business-rule"
    listed = await kernel["client"].get("/fhir/Communication", headers=kernel["system"])
    assert listed.status_code == 200
    assert listed.json().get("entry", []) == []


async def test_finding_2_a_patient_reference_is_tied_to_its_nhs_number(
    kernel: dict[str, Any],
) -> None:
    client = kernel["client"]
    message = {
        "resourceType": "Communication",
        "status": "completed",
        "subject": {"reference": "Patient/register-a"},
    }
    made = await client.post("/fhir/Communication", json=message, headers=kernel["gp_a"])
    assert made.status_code == 201
    url = f"/fhir/Communication/{made.json()['id']}"
    assert (await client.get(url, headers=kernel["gp_a"])).status_code == 200
    for someone_else in ("gp_c", "patient_c"):
        assert (await client.get(url, headers=kernel[someone_else])).status_code == 404
        listed = await client.get("/fhir/Communication", headers=kernel[someone_else])
        assert listed.json().get("entry", []) == []


async def test_finding_12_security_headers_on_patient_data(kernel: dict[str, Any]) -> None:
    answer = await kernel["client"].get("/fhir/Condition", headers=kernel["system"])
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


async def test_finding_12_a_flood_of_bad_tokens_is_throttled(kernel: dict[str, Any]) -> None:
    statuses = [
        (await kernel["client"].get("/fhir/Condition", headers={"Authorization": "Bearer x"}))
        for _ in range(30)
    ]
    codes = [s.status_code for s in statuses]
    assert codes[:20] == [401] * 20
    assert codes[-1] == 429
    assert int(statuses[-1].headers["retry-after"]) >= 1
    assert statuses[-1].json()["issue"][0]["code"] == "throttled"


async def test_finding_12_a_token_for_another_service_is_refused(
    fresh_database_url: str, tmp_path: Path
) -> None:
    issuer = DevIssuer(tmp_path / "issuer")
    settings = example_settings(
        fresh_database_url,
        issuer,
        service_name="care_plans",
        auth_audience="carecoord-care-plans",
        ops_endpoints=False,
    )
    app = create_service_app(settings, FhirRegistry("care_plans"), title="care plans")
    async with serving(app, "http://k") as client:
        elsewhere = issuer.mint("system", audience="carecoord-referrals")
        mine = issuer.mint("system", audience="carecoord-care-plans")
        refused = await client.get(
            "/fhir/AuditEvent", headers={"Authorization": f"Bearer {elsewhere}"}
        )
        assert refused.status_code == 401
        allowed = await client.get(
            "/fhir/$break-glass", headers={"Authorization": f"Bearer {mine}"}
        )
        assert allowed.status_code == 405  # past authentication, to the operation
        assert (await client.get("/metrics")).status_code == 404
        assert (await client.get("/docs")).status_code == 404
