"""The store's writes cost one statement each (issue 16): a create of one resource or of
many, an update and a delete each reach PostgreSQL as one round trip, and still keep
every resource's own version rows and search index rows.

Round trips are what a write costs on a busy machine (each one a context switch to
PostgreSQL and back), and unlike throughput they can be counted exactly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.registry import (
    FhirRegistry,
    ResourceDefinition,
    SearchParam,
    nhs_number_at,
)
from carecoord_shared.fhir.unit_of_work import fhir_transaction
from carecoord_shared.security.access import grant
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import parse_scopes
from carecoord_shared.store import repository
from carecoord_shared.store.tables import resource_version, search_index
from carecoord_shared.testing.statements import counting
from shared.tests.example_service import example_settings, running

NHS = "9990000018"
SUBJECT = {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}}
REGISTRY = FhirRegistry("example").add(
    ResourceDefinition(
        "Communication",
        patient_nhs=nhs_number_at("Communication.subject"),
        patient_required=True,
        narrative=True,
        search_params=(
            SearchParam("subject", "reference", "Communication.subject", ("Patient",)),
            SearchParam("status", "token", "Communication.status"),
            SearchParam("identifier", "token", "Communication.identifier"),
            SearchParam("sent", "date", "Communication.sent"),
        ),
    ),
    ResourceDefinition(
        "Goal",
        patient_nhs=nhs_number_at("Goal.subject"),
        search_params=(SearchParam("lifecycle-status", "token", "Goal.lifecycleStatus"),),
    ),
)


@pytest.fixture
async def gp(fresh_database_url: str, tmp_path: Path) -> AsyncIterator[tuple[FastAPI, Any]]:
    """The example service, a GP's client, and the GP's practice granted the patient."""
    issuer = DevIssuer(tmp_path / "issuer")
    settings = example_settings(fresh_database_url, issuer)
    token = issuer.mint("gp", organisation="A11111")
    async with running(settings, REGISTRY, Authorization=f"Bearer {token}") as (app, client):
        async with app.state.engine.begin() as conn:
            await grant(conn, NHS, "organisation", "A11111", "registered-practice")
        yield app, client


def _message(status: str, sent: str = "2026-11-30T10:00:00Z") -> dict[str, Any]:
    return {"resourceType": "Communication", "status": status, "subject": SUBJECT, "sent": sent}


async def _ids(client: httpx.AsyncClient, query: str) -> set[str]:
    response = await client.get(f"/fhir/Communication?{query}")
    assert response.status_code == 200, response.text
    return {entry["resource"]["id"] for entry in response.json().get("entry", [])}


async def test_a_create_is_one_store_statement_beside_the_relationship_check_and_audit(
    gp: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = gp
    with counting(app.state.engine) as seen:
        made = await client.post("/fhir/Communication", json=_message("completed"))
    assert made.status_code == 201, made.text
    assert (seen.transactions, seen.count) == (1, 3)
    assert [seen.of("INSERT INTO resource "), seen.of("access_grant"), seen.of("audit_event")] == [
        1,
        1,
        1,
    ]
    assert await _ids(client, "status=completed&sent=2026-11-30") == {made.json()["id"]}


async def test_many_creates_in_one_statement_keep_each_resources_versions_and_index(
    gp: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = gp
    communication, goal = REGISTRY.get("Communication"), REGISTRY.get("Goal")
    assert communication is not None
    assert goal is not None
    bodies: list[repository.NewBody] = [
        (communication, _message("completed"), None, None),
        (
            goal,
            {
                "resourceType": "Goal",
                "lifecycleStatus": "active",
                "subject": SUBJECT,
                "description": {"text": "Walk"},
            },
            "goal-1",
            None,
        ),
        (communication, _message("in-progress", "2026-12-01"), None, None),
    ]
    async with app.state.engine.begin() as conn:
        with counting(app.state.engine) as seen:
            stored = await repository.create_many(conn, bodies)
        versions = (await conn.execute(sa.select(resource_version.c.id))).scalars().all()
        indexed = (await conn.execute(sa.select(search_index.c.res_pk, search_index.c.param))).all()
    assert seen.count == 1
    assert [(s.resource_type, s.version_id, s.patient_nhs) for s in stored] == [
        ("Communication", 1, NHS),
        ("Goal", 1, NHS),
        ("Communication", 1, NHS),
    ]
    assert stored[1].id == "goal-1"
    assert len({s.pk for s in stored}) == 3
    assert sorted(versions) == sorted(s.id for s in stored)
    assert sorted(param for pk, param in indexed if pk == stored[1].pk) == ["lifecycle-status"]
    assert sorted(param for pk, param in indexed if pk == stored[2].pk) == [
        "sent",
        "sent:sort",  # the key a `_sort=sent` orders by
        "status",
        "subject:identifier",  # the patient named by NHS number
    ]
    assert await _ids(client, "status=in-progress&sent=2026-12-01") == {stored[2].id}
    assert await _ids(client, "status=completed") == {stored[0].id}


async def test_an_update_and_a_delete_are_one_store_statement_each(
    gp: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = gp
    made = (await client.post("/fhir/Communication", json=_message("in-progress"))).json()
    with counting(app.state.engine) as seen:
        updated = await client.put(
            f"/fhir/Communication/{made['id']}", json={**_message("completed"), "id": made["id"]}
        )
    assert updated.status_code == 200, updated.text
    # the row locked, the new version, the relationship check, the audit row
    assert seen.count == 4
    assert seen.of("FOR UPDATE") == 1
    assert await _ids(client, "status=completed") == {made["id"]}
    assert await _ids(client, "status=in-progress") == set()  # the old index rows went
    with counting(app.state.engine) as seen:
        deleted = await client.delete(f"/fhir/Communication/{made['id']}")
    assert deleted.status_code == 204, deleted.text
    assert seen.count == 3
    history = await client.get(f"/fhir/Communication/{made['id']}/_history")
    assert [e["request"]["method"] for e in history.json()["entry"]] == ["DELETE", "PUT", "POST"]
    assert await _ids(client, "status=completed") == set()


GP = Principal("gp-1", "staff", "gp", "A11111", None, parse_scopes("user/*.cruds"))
OTHER = "9990000026"  # a patient the practice has no relationship with


def _about(nhs: str, status: str) -> dict[str, Any]:
    return {
        "resourceType": "Communication",
        "status": status,
        "subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}},
    }


async def test_a_unit_of_work_checks_each_patients_relationship_once(
    gp: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = gp
    engine = app.state.engine
    with counting(engine) as seen:
        async with fhir_transaction(engine, REGISTRY, GP) as tx:
            bodies = [_about(NHS, "completed"), _about(NHS, "completed")]
            made = await tx.create_many("Communication", bodies)
            await tx.create("Communication", _about(NHS, "in-progress"))
    assert [seen.of("access_grant"), seen.of("INSERT INTO resource "), seen.of("audit")] == [
        1,
        2,
        1,
    ]
    assert await _ids(client, "status=completed") == {m.id for m in made}
    with pytest.raises(FhirError) as refused:
        async with fhir_transaction(engine, REGISTRY, GP) as tx:
            await tx.create_many(
                "Communication", [_about(NHS, "stopped"), _about(OTHER, "stopped")]
            )
    assert refused.value.status == 403
    assert await _ids(client, "status=stopped") == set()  # the whole unit of work rolled back


def _keyed(key: str, status: str = "completed") -> tuple[dict[str, Any], str]:
    body = {**_about(NHS, status), "identifier": [{"system": "urn:fact", "value": key}]}
    return body, f"identifier=urn:fact|{key}"


async def test_many_conditional_creates_cost_three_statements_and_create_each_fact_once(
    gp: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = gp
    engine = app.state.engine
    async with fhir_transaction(engine, REGISTRY, GP) as tx:
        [(before, _)] = await tx.create_absent("Communication", [_keyed("a")])
    async with app.state.engine.begin() as conn:  # a claim left by a resource gone since
        await conn.execute(sa.text("insert into conditional_create values ('Communication', "
                                   "'identifier=urn%3Afact%7Cstale', 'gone')"))  # fmt: skip
    with counting(engine) as seen:
        async with fhir_transaction(engine, REGISTRY, GP) as tx:
            made = await tx.create_absent(
                "Communication", [_keyed("a"), _keyed("b"), _keyed("c"), _keyed("b")]
            )
    assert [created for _, created in made] == [False, True, True, False]
    assert made[0][0].id == before.id
    assert made[3][0].id == made[1][0].id  # the same fact twice in one run: one resource
    # the index searched once, the keys claimed once, the new ones stored once; the
    # repeat asked again, the single way (it finds the first)
    assert seen.of("INSERT INTO conditional_create") == 1
    assert seen.of("WITH given AS") == 1
    async with fhir_transaction(engine, REGISTRY, GP) as tx:
        [(stale, created)] = await tx.create_absent("Communication", [_keyed("stale")])
    assert created  # the stale claim taken over, as a single conditional create does
    assert stale.id != "gone"
    found = await _ids(client, "identifier=urn:fact|b")
    assert found == {made[1][0].id}
