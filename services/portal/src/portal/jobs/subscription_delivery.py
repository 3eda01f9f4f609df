"""The delivery loop: every tick, a round for each subscription with work, side by side.

Each round runs as a task of its own and the tick does not wait for slow ones, so one
partner's endpoint that times out (up to 30 s) never holds back another's deliveries;
the lease in the subscription's row (and the in-flight set here) keeps one round per
subscription at a time. Rounds still running when the worker stops are cancelled: their
notifications stay pending and go again, under the same `webhook-id`.
"""

from __future__ import annotations

import asyncio
import functools

import httpx

from carecoord_shared.logging import get_logger
from carecoord_shared.service import Job, JobCall
from portal.service.context import PortalContext
from portal.service.delivery import Round
from portal.service.delivery_queue import subscriptions_with_work

__all__ = ["JOB"]

log = get_logger(__name__)

_IN_FLIGHT: dict[tuple[int, str], asyncio.Task[None]] = {}
"""Rounds running in this process, by (engine, subscription): held so they are not
collected mid-flight, and so a tick never starts a second round for one subscription."""
_CLIENTS: dict[int, httpx.AsyncClient] = {}


def _client(key: int, concurrency: int) -> httpx.AsyncClient:
    """One connection pool per worker: partners' endpoints get kept-alive connections."""
    client = _CLIENTS.get(key)
    if client is None or client.is_closed:
        limits = httpx.Limits(
            max_connections=concurrency * 2, max_keepalive_connections=concurrency
        )
        client = _CLIENTS[key] = httpx.AsyncClient(limits=limits, trust_env=False)
    return client


def _finished(key: tuple[int, str], task: asyncio.Task[None]) -> None:
    _IN_FLIGHT.pop(key, None)
    if not task.cancelled() and task.exception() is not None:
        error = type(task.exception()).__name__
        log.warning("subscription.round_failed", subscription=key[1], error=error)


async def _run(call: JobCall) -> int:
    context: PortalContext = call.context
    key = id(call.fhir.engine)
    concurrency = context.settings.delivery_concurrency
    started = 0
    for subscription_id in await subscriptions_with_work(call.fhir, call.principal, context):
        if len([k for k in _IN_FLIGHT if k[0] == key]) >= concurrency:
            break
        if (key, subscription_id) in _IN_FLIGHT:
            continue
        work = Round(call.fhir, context, call.principal, _client(key, concurrency))
        task = asyncio.create_task(work.run(subscription_id), name=f"deliver-{subscription_id}")
        _IN_FLIGHT[(key, subscription_id)] = task
        task.add_done_callback(functools.partial(_finished, (key, subscription_id)))
        started += 1
    return started


JOB = Job(
    "subscription-delivery",
    lambda settings: float(settings.delivery_interval_s),
    _run,
)
