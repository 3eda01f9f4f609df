"""The delivery loop: a round for each subscription with work, side by side, at once.

Woken by PostgreSQL (the NOTIFY the consumer's commit sends, naming the subscriptions
that got notifications), the loop starts a round for each subscription named, or pokes
the round already running for it; every tick it also asks the database which
subscriptions have work (a handshake, due retries, a heartbeat), the safety net for a
notice lost. A tick listens for `delivery_listen_s` before the job returns.

Each round runs as a task of its own and the loop never waits for one, so one
partner's endpoint that times out (up to 30 s) never holds back another's deliveries;
the lease in the subscription's row (and the in-flight map here) keeps one round per
subscription at a time; sends at once are bounded by `delivery_concurrency`. Rounds
still running when the worker stops are cancelled: their notifications stay pending
and go again, under the same `webhook-id`.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

from carecoord_shared.logging import get_logger
from carecoord_shared.service import Job, JobCall
from portal.service.context import PortalContext
from portal.service.delivery import Round
from portal.service.delivery_http import partner_pool, tls
from portal.service.delivery_queue import subscriptions_with_work
from portal.store.subscription_wake import Listener

__all__ = ["JOB"]

log = get_logger(__name__)
_FOCUS_READS = 8
"""Connections for reading full-resource focuses, shared by every round."""
_HOOK_CONNECTIONS = 2
"""Connections per subscription to its endpoint (a round sends one at a time)."""
_HOOK_IDLE_S = 120.0
"""A subscription's connections are closed once it has had no round for this long."""

if importlib.util.find_spec("sniffio") is None:
    # httpcore imports sniffio, optionally, at every lock and event of every request; when
    # it is not installed each failed import searched the whole path (5% of the worker's
    # time in the bench). Marking it absent makes the same failure immediate.
    sys.modules["sniffio"] = None  # type: ignore[assignment]


def _client(connections: int) -> httpx.AsyncClient:
    """Kept-alive connections for reading focuses (see `partner_pool`)."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(limits=limits, trust_env=False, verify=tls())


@dataclass(slots=True)
class _Loop:
    """One worker's delivery state (per database engine): its rounds, its listener,
    its connections and its bound on sends at once.

    Each subscription has a pool of its own to its endpoint, kept between rounds while
    it is busy: httpcore checks every connection of a pool at every request (a poll of
    each socket), so one pool for every partner cost more per send the more partners
    were sending (a third of the delivery process's CPU at 50 subscriptions)."""

    concurrency: int
    listener: Listener = field(default_factory=Listener)
    rounds: dict[str, tuple[Round, asyncio.Task[None]]] = field(default_factory=dict)
    reads: httpx.AsyncClient | None = None
    hooks: dict[str, tuple[httpx.AsyncHTTPTransport, float]] = field(default_factory=dict)
    gate: asyncio.Semaphore | None = None

    def pools(self, subscription_id: str) -> tuple[httpx.AsyncClient, httpx.AsyncHTTPTransport]:
        """The pool for focus reads, and the subscription's own to its endpoint."""
        if self.reads is None or self.reads.is_closed:
            self.reads = _client(_FOCUS_READS)
        hook, _ = self.hooks.get(subscription_id, (None, 0.0))
        if hook is None:
            hook = partner_pool(_HOOK_CONNECTIONS)
        self.hooks[subscription_id] = (hook, time.monotonic())
        return self.reads, hook

    async def close_idle(self) -> None:
        """Close the connections of subscriptions without a round for a while."""
        quiet = time.monotonic() - _HOOK_IDLE_S
        for subscription_id, (hook, used) in list(self.hooks.items()):
            if used < quiet and subscription_id not in self.rounds:
                del self.hooks[subscription_id]
                await hook.aclose()

    def start(self, call: JobCall, subscription_ids: Iterable[str]) -> int:
        """A round for each subscription without one; the running ones poked."""
        started = 0
        context: PortalContext = call.context
        for subscription_id in subscription_ids:
            if subscription_id in self.rounds:
                self.rounds[subscription_id][0].poke()
                continue
            if self.gate is None:
                self.gate = asyncio.Semaphore(self.concurrency)
            reads, hook = self.pools(subscription_id)
            linger = context.settings.delivery_linger_s
            work = Round(call.fhir, context, call.principal, reads, hook, self.gate, linger)
            task = asyncio.create_task(work.run(subscription_id), name=f"deliver-{subscription_id}")
            self.rounds[subscription_id] = (work, task)
            task.add_done_callback(functools.partial(self._finished, subscription_id))
            started += 1
        return started

    def _finished(self, subscription_id: str, task: asyncio.Task[None]) -> None:
        work, _ = self.rounds.pop(subscription_id, (None, None))
        if work is not None and work.poked.is_set():  # poked as it ended: look again
            self.listener.woken.add(subscription_id)
            self.listener.signal.set()
        if not task.cancelled() and task.exception() is not None:
            error = type(task.exception()).__name__
            log.warning("subscription.round_failed", subscription=subscription_id, error=error)


_LOOPS: dict[int, _Loop] = {}
"""Per engine (a worker's, or each test's): held so rounds are not collected mid-flight."""


async def _run(call: JobCall) -> int:
    context: PortalContext = call.context
    settings = context.settings
    loop = _LOOPS.setdefault(id(call.fhir.engine), _Loop(settings.delivery_concurrency))
    await loop.listener.listen(call.fhir.engine)
    started = loop.start(call, await subscriptions_with_work(call.fhir, call.principal, context))
    until = time.monotonic() + settings.delivery_listen_s
    while (left := until - time.monotonic()) > 0:
        woken = await loop.listener.take(left)
        if woken is None:
            break
        named = [w for w in woken if w is not None]
        if None in woken:  # someone unnamed: ask the database
            named += await subscriptions_with_work(call.fhir, call.principal, context)
        started += loop.start(call, dict.fromkeys(named))
    await loop.close_idle()
    return started


JOB = Job(
    "subscription-delivery",
    lambda settings: float(settings.delivery_interval_s),
    _run,
)
