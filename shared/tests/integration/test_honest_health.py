"""Health that tells the truth (issue 15): APIs and workers say what is wrong.

- an API whose Kafka is away is *degraded* (200, with the reason and the outbox
  backlog), not unready, because its writes still commit to the outbox;
- an API whose database is away answers 503 with `Retry-After` and a `transient`
  OperationOutcome, never 500, and `/readyz` is 503;
- a worker's liveness fails when one of its loops stalls; its periodic jobs are
  claimed once per tick across replicas.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from carecoord_shared.db import create_engine, migrate_async
from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.registry import FhirRegistry, ResourceDefinition, nhs_number_at
from carecoord_shared.periodic import PeriodicJob, claim
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.settings import ServiceSettings
from carecoord_shared.worker_health import LOOP_BOUND_S, health_app, stalled_loops
from carecoord_shared.worker_runtime import Worker
from shared.tests.example_service import example_settings, running

NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def api(fresh_database_url: str, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    issuer = DevIssuer(tmp_path / "issuer")
    settings = example_settings(
        fresh_database_url, issuer, kafka_bootstrap_servers=f"127.0.0.1:{_closed_port()}"
    )
    registry = FhirRegistry("example", topic=settings.topic).add(
        ResourceDefinition("Communication", patient_nhs=nhs_number_at("Communication.subject"))
    )
    async with running(settings, registry) as (app, client):
        headers = {"Authorization": f"Bearer {issuer.mint('system')}"}
        yield {"client": client, "headers": headers, "app": app, "settings": settings}


def _message() -> dict[str, Any]:
    return {
        "resourceType": "Communication",
        "status": "completed",
        "subject": {"identifier": {"system": NHS_SYSTEM, "value": "9990000018"}},
    }


async def test_kafka_away_is_degraded_not_unready(api: dict[str, Any]) -> None:
    client = api["client"]
    written = await client.post("/fhir/Communication", json=_message(), headers=api["headers"])
    assert written.status_code == 201  # writes go to the outbox
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "degraded"
    assert body["checks"] == {"database": True, "kafka": False}
    assert "Kafka" in body["reason"]
    assert body["outbox"]["pending"] == 0  # no type here announces anything


async def test_database_away_answers_503_with_retry_after(api: dict[str, Any]) -> None:
    app, client = api["app"], api["client"]
    unreachable = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/x", 1)
    healthy = app.state.engine
    app.state.engine = unreachable
    app.state.fhir = FhirInteractions(unreachable, app.state.registry)
    try:
        answer = await client.get("/fhir/Communication/abc", headers=api["headers"])
        ready = await client.get("/readyz")
    finally:
        app.state.engine = healthy
        await unreachable.dispose()
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["issue"][0]["code"] == "transient"
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] is False


async def test_a_stalled_loop_fails_worker_liveness(api: dict[str, Any]) -> None:
    settings: ServiceSettings = api["settings"]
    job = PeriodicJob("tick", 10.0, lambda _engine: _nothing())
    worker = Worker(settings, settings.topic, jobs=[job])
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=health_app(worker)), base_url="http://w"
    )
    async with client:
        assert (await client.get("/healthz")).json() == {"status": "starting"}
        worker.started.set()
        assert (await client.get("/healthz")).status_code == 200
        job.last_tick = time.monotonic() - LOOP_BOUND_S - 60
        stalled = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert stalled.status_code == 503
    assert stalled.json()["stalled"] == ["job:tick"]
    assert stalled_loops(worker, now=job.last_tick) == []
    assert ready.status_code == 503  # its Kafka is away
    assert ready.json()["checks"]["kafka"] is False


async def _nothing() -> int:
    return 0


async def test_replicas_claim_each_tick_of_a_job_once(fresh_database_url: str) -> None:
    await migrate_async(fresh_database_url)
    engine = create_engine(fresh_database_url, 2)
    try:
        job = PeriodicJob("breach-scan", 60.0, lambda _engine: _nothing())
        assert await claim(engine, job)  # the first replica runs this tick
        assert not await claim(engine, job)  # the second skips it
        quick = PeriodicJob("quick", 0.05, lambda _engine: _nothing())
        assert await claim(engine, quick)
        await asyncio.sleep(0.1)
        assert await claim(engine, quick)  # the next tick is claimable again
    finally:
        await engine.dispose()
