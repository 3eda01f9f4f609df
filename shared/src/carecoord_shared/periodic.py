"""Periodic jobs on a clock, run once per tick however many worker replicas there are.

Each job (lapsing cover, due reviews, breaches, escalations, inbox purging) runs every
`interval_s`. With two workers of a service side by side, both tick; a row per job in
`periodic_job` says when it last started, and only the worker whose update moves it
forward runs that tick. Jobs are idempotent anyway; the claim keeps them from doing
the same work twice and makes their effect and their audit trail appear once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import Column, DateTime, Float, Table, Text, bindparam, func, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_shared.db import kernel_metadata
from carecoord_shared.logging import get_logger

__all__ = ["PeriodicJob", "periodic_job", "run_every"]

log = get_logger(__name__)

periodic_job = Table(
    "periodic_job",
    kernel_metadata,
    Column("name", Text, primary_key=True),
    Column("last_started", DateTime(timezone=True), nullable=False),
)

_CLAIM = (
    insert(periodic_job)
    .values(name=bindparam("name"), last_started=func.now())
    .on_conflict_do_update(
        index_elements=["name"],
        set_={"last_started": func.now()},
        where=periodic_job.c.last_started
        <= func.now() - func.make_interval(0, 0, 0, 0, 0, 0, bindparam("interval_s", type_=Float)),
    )
    .returning(periodic_job.c.name)
)


@dataclass(slots=True)
class PeriodicJob:
    """Housekeeping a worker runs on a clock. `run` gets the worker's engine; each run
    should be idempotent. A failure is logged by class only and retried next tick."""

    name: str
    interval_s: float
    run: Callable[[AsyncEngine], Awaitable[object]]
    last_tick: float = field(default_factory=time.monotonic)
    """When this worker last ticked it (run or skipped): its liveness."""


async def claim(engine: AsyncEngine, job: PeriodicJob) -> bool:
    """True if this worker may run this tick (no replica started it within 90% of the
    interval, so a slightly early tick of the same worker still runs)."""
    async with engine.begin() as conn:
        await conn.execute(text("set local lock_timeout = '2s'"))
        won = await conn.scalar(_CLAIM, {"name": job.name, "interval_s": job.interval_s * 0.9})
    return won is not None


async def run_every(job: PeriodicJob, engine: AsyncEngine, stopping: asyncio.Event) -> None:
    while not stopping.is_set():
        job.last_tick = time.monotonic()
        try:
            if await claim(engine, job):
                await job.run(engine)
        except Exception as error:  # keep the clock going; the next tick retries
            log.warning("worker.job_failed", job=job.name, error=type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), job.interval_s)
