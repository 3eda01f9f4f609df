"""A worker's health, as an orchestrator (or `carecoord status`) asks for it.

`/healthz` is liveness: every loop of the worker (the relay, each consumer, each
periodic job) has beaten within its bound; a stalled loop fails it, so the
supervisor restarts the process. `/readyz` is readiness: its database and Kafka
answer. `/metrics` adds what an operator watches: consumer lag per partition (kept
by the consumers), the relay backlog and the age of the oldest unpublished event.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from carecoord_shared.db import database_ready
from carecoord_shared.events.metrics import OUTBOX_BACKLOG, OUTBOX_LAG_SECONDS
from carecoord_shared.events.outbox import backlog
from carecoord_shared.events.topics import kafka_ready

if TYPE_CHECKING:
    from carecoord_shared.worker_runtime import Worker

__all__ = ["LOOP_BOUND_S", "health_app", "serve_health", "stalled_loops"]

LOOP_BOUND_S = 60.0
"""How long a relay or consumer loop may go without a beat before it counts as stalled
(its longest normal wait is a backoff of 15 s or an idle poll of 1 s)."""


def stalled_loops(worker: Worker, now: float | None = None) -> list[str]:
    """The loops that have not beaten within their bound (empty: alive)."""
    now = time.monotonic() if now is None else now
    stalled = []
    if worker.relay is not None and now - worker.relay.last_beat > LOOP_BOUND_S:
        stalled.append("outbox-relay")
    stalled += [
        f"consumer:{worker.group_id(s)}"
        for s, c in zip(worker.subscriptions, worker.consumers, strict=False)
        if now - c.last_poll > LOOP_BOUND_S
    ]
    stalled += [
        f"job:{job.name}"
        for job in worker.jobs
        if now - job.last_tick > max(LOOP_BOUND_S, 2 * job.interval_s + 30)
    ]
    return stalled


def health_app(worker: Worker) -> FastAPI:
    app = FastAPI(title=f"{worker.settings.service_name} worker health", docs_url=None)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        if not worker.started.is_set():
            return JSONResponse({"status": "starting"})  # waiting for PostgreSQL or Kafka
        stalled = stalled_loops(worker)
        if stalled:
            return JSONResponse({"status": "stalled", "stalled": stalled}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        database = worker.engine is not None and await database_ready(worker.engine)
        kafka = await kafka_ready(worker.settings.kafka_bootstrap_servers)
        checks = {"database": database, "kafka": kafka, "started": worker.started.is_set()}
        ready = all(checks.values())
        body = {"status": "ready" if ready else "not-ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        if worker.engine is not None and await database_ready(worker.engine):
            async with worker.engine.connect() as conn:
                pending, oldest_s = await backlog(conn)
            OUTBOX_BACKLOG.set(pending)
            OUTBOX_LAG_SECONDS.set(oldest_s)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the worker's handlers stop everything."""

    def install_signal_handlers(self) -> None:  # uvicorn < 0.29
        return None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # uvicorn >= 0.29
        yield


async def serve_health(worker: Worker, port: int) -> None:
    config = uvicorn.Config(
        health_app(worker),
        host=worker.settings.host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    await _QuietServer(config).serve()
