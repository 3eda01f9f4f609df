"""Benchmark of the event kernel: outbox to consumer latency, and the highest sustained rate.

Why: the architecture promises that an event written with its state change reaches a
consumer's database promptly; this measures it on the real local PostgreSQL and Kafka.
Writers commit one small state change plus its outbox event per transaction at a steady
rate; a relay process publishes; a consumer process applies each event (inbox insert
plus one effect row stamped with `clock_timestamp()`). Latency is from the start of the
producing transaction to the consuming transaction, computed in SQL from the same clock.
The steady phase reports p50/p90/p99; the ramp raises the rate step by step until the
pipeline falls behind (backlog above one second's worth at the end of a step, p99 above
one second, or writers unable to reach the rate). It talks to 127.0.0.1 only.

    .venv/bin/python shared/bench/bench_events.py --seconds 60 --rate 500 --ramp
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import signal
import time
import uuid
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from carecoord_shared.db import create_engine, migrate_async
from carecoord_shared.events import (
    Event,
    InboxConsumer,
    OutboxRelay,
    add,
    dead_letter_topic,
    ensure_topics,
    new_event,
)

PATIENTS = 1000
EVENT_TYPE = "carecoord.bench.noted.v1"


def _only_loopback(database_url: str, bootstrap: str) -> None:
    hosts = {make_url(database_url).host or ""}
    hosts |= {server.strip().rsplit(":", 1)[0] for server in bootstrap.split(",")}
    if hosts != {"127.0.0.1"}:
        raise SystemExit(f"refusing to run against anything but 127.0.0.1 (got {sorted(hosts)})")


def _machine() -> str:
    with open("/proc/meminfo") as meminfo:
        kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    return (
        f"{os.cpu_count()} cores, {kib / 1048576:.1f} GiB RAM, {platform.platform()}, "
        f"Python {platform.python_version()}"
    )


def _run_relay(url: str, bootstrap: str, batch_size: int, poll_interval_s: float) -> None:
    async def main() -> None:
        engine = create_engine(url, pool_size=2)
        relay = OutboxRelay(engine, bootstrap, batch_size, poll_interval_s)
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, relay.stop)
        await relay.run()
        await engine.dispose()

    asyncio.run(main())


async def _apply(conn: AsyncConnection, event: Event) -> None:
    await conn.execute(
        text(
            "insert into bench_effect (event_id, nhs, sent_at, applied_at)"
            " values (:id, :nhs, to_timestamp(:t), clock_timestamp())"
        ),
        {"id": event.id, "nhs": event.key, "t": event.data["t"]},
    )


def _run_consumer(url: str, bootstrap: str, topic: str, partitions: int) -> None:
    async def main() -> None:
        engine = create_engine(url, pool_size=partitions + 1)
        consumer = InboxConsumer(engine, bootstrap, "bench", [topic], {EVENT_TYPE: _apply})
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, consumer.stop)
        await consumer.run()
        await engine.dispose()

    asyncio.run(main())


class Writers:
    """`count` writer tasks committing one state change + outbox event per transaction."""

    def __init__(self, engine: AsyncEngine, topic: str, count: int, first_n: int) -> None:
        self._engine, self._topic, self._count, self._first_n = engine, topic, count, first_n
        self.written = 0

    async def _write(self, queue: asyncio.Queue[int | None]) -> None:
        while (n := await queue.get()) is not None:
            nhs = f"9{(n * 7919) % PATIENTS:09d}"
            started = time.time()
            async with self._engine.begin() as conn:
                await conn.execute(
                    text("insert into bench_state (nhs, n) values (:nhs, :n)"), {"nhs": nhs, "n": n}
                )
                event = new_event(
                    EVENT_TYPE,
                    source="/bench",
                    subject=f"Task/{n}",
                    data={"n": n, "t": started},
                    nhs_number=nhs,
                )
                await add(conn, self._topic, event)
            self.written += 1

    async def run(self, rate: float, seconds: float) -> float:
        """Write at `rate` for `seconds`; returns the rate actually committed."""
        queue: asyncio.Queue[int | None] = asyncio.Queue()
        tasks = [asyncio.create_task(self._write(queue)) for _ in range(self._count)]
        start, issued, before = time.monotonic(), 0, self.written
        while (elapsed := time.monotonic() - start) < seconds:
            due = int(rate * elapsed)
            for n in range(issued, due):
                queue.put_nowait(self._first_n + before + n)
            issued = max(issued, due)
            await asyncio.sleep(0.005)
        done_in = time.monotonic() - start
        for _ in tasks:
            queue.put_nowait(None)
        # Events still queued were due but not committed in time: writers fell short.
        achieved = (self.written - before) / done_in
        await asyncio.gather(*tasks)
        return achieved


async def _applied(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("select count(*) from bench_effect")) or 0)


async def _latency(engine: AsyncEngine, since: float, until: float) -> dict[str, float]:
    # d: producing transaction start -> consuming transaction; r: -> relay marked it sent.
    query = text(
        "select count(*), percentile_cont(array[0.5, 0.9, 0.99]) within group (order by d),"
        " max(d), percentile_cont(0.5) within group (order by r)"
        " from (select extract(epoch from e.applied_at - e.sent_at) * 1000 as d,"
        "              extract(epoch from o.published_at - e.sent_at) * 1000 as r"
        "       from bench_effect e join outbox o on o.id = e.event_id::uuid"
        "       where e.sent_at >= to_timestamp(:a) and e.sent_at < to_timestamp(:b)) as x"
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query, {"a": since, "b": until})).one()
    count, (p50, p90, p99), worst, relay_p50 = row
    return {"n": count, "p50": p50, "p90": p90, "p99": p99, "max": worst, "relay_p50": relay_p50}


def _run_writers(
    url: str, topic: str, rate: float, seconds: float, concurrency: int, start_at: float,
    first_n: int, results: Any,
) -> None:  # fmt: skip
    async def main() -> None:
        engine = create_engine(url, pool_size=concurrency)
        async with engine.connect() as conn:  # connect before the clock starts
            await conn.execute(text("select 1"))
        writers = Writers(engine, topic, concurrency, first_n)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        achieved = await writers.run(rate, seconds)
        await engine.dispose()
        results.put((writers.written, achieved))

    asyncio.run(main())


class Bench:
    """The running pipeline: writer processes per phase, one relay, one consumer."""

    def __init__(self, engine: AsyncEngine, url: str, topic: str, args: argparse.Namespace) -> None:
        self._engine, self._url, self._topic, self._args = engine, url, topic, args
        self._spawn = multiprocessing.get_context("spawn")
        self.written = 0

    async def _write(self, rate: float, seconds: float) -> tuple[float, float, float]:
        processes, results = self._args.writer_processes, self._spawn.Queue()
        start_at = time.time() + 3.0  # time for the processes to start and connect
        writers = [
            self._spawn.Process(
                target=_run_writers,
                args=(
                    self._url,
                    self._topic,
                    rate / processes,
                    seconds,
                    self._args.writers,
                    start_at,
                    self.written + i * 10_000_000,
                    results,
                ),
            )
            for i in range(processes)
        ]
        for writer in writers:
            writer.start()
        outcomes = [await asyncio.to_thread(results.get) for _ in writers]
        for writer in writers:
            writer.join()
        self.written += sum(written for written, _ in outcomes)
        return start_at, time.time(), sum(achieved for _, achieved in outcomes)

    async def drain(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if await _applied(self._engine) >= self.written:
                return True
            await asyncio.sleep(0.2)
        return False

    async def phase(self, rate: float, seconds: float, warmup_s: float) -> dict[str, Any]:
        start, end, achieved = await self._write(rate, seconds)
        backlog = self.written - await _applied(self._engine)
        drained = await self.drain(timeout_s=max(30.0, seconds))
        latency = await _latency(self._engine, start + min(warmup_s, seconds / 4), end)
        return {
            "rate": rate,
            "achieved": achieved,
            "backlog_at_end": backlog,
            "drained": drained,
            **latency,
        }


def _line(result: dict[str, Any]) -> str:
    return (
        f"target {result['rate']:7.0f}/s  committed {result['achieved']:7.0f}/s  "
        f"backlog at end {result['backlog_at_end']:6d}  p50 {result['p50']:7.1f} ms  "
        f"p90 {result['p90']:7.1f} ms  p99 {result['p99']:7.1f} ms  "
        f"max {result['max']:7.1f} ms  (n={result['n']}; "
        f"published after p50 {result['relay_p50']:.1f} ms)"
    )


def _limit(result: dict[str, Any]) -> str | None:
    """Why a step was not sustained (None if it was)."""
    if not result["drained"] or result["backlog_at_end"] > result["rate"]:
        return "pipeline lag grew (over one second of events behind)"
    if result["p99"] > 1000.0:
        return "p99 latency above 1 s"
    if result["achieved"] < 0.95 * result["rate"]:
        return "writers could not commit the rate (producing side is the limit)"
    return None


async def main(args: argparse.Namespace) -> None:
    _only_loopback(args.admin_url, args.bootstrap)
    name = f"bench_events_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'create database "{name}"'))
        server = await conn.scalar(text("show server_version"))
    url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    topic = f"bench.events.{uuid.uuid4().hex[:8]}"
    print(f"machine: {_machine()}; PostgreSQL {server}; load average {os.getloadavg()[0]:.1f}")
    print(
        f"settings: partitions={args.partitions} relay batch={args.batch_size} "
        f"poll={args.poll_interval}s writers={args.writer_processes} processes x {args.writers} "
        f"patients={PATIENTS} producer acks=all idempotent; "
        "relay and consumer each in its own process"
    )
    await migrate_async(url)
    engine = create_engine(url, pool_size=2)
    async with engine.begin() as conn:
        await conn.execute(
            text("create table bench_state (id bigserial primary key, nhs text, n bigint)")
        )
        await conn.execute(
            text(
                "create table bench_effect (event_id text, nhs text, "
                "sent_at timestamptz, applied_at timestamptz)"
            )
        )
    await ensure_topics(args.bootstrap, [topic], partitions=args.partitions)
    spawn = multiprocessing.get_context("spawn")
    workers = [
        spawn.Process(
            target=_run_relay, args=(url, args.bootstrap, args.batch_size, args.poll_interval)
        ),
        spawn.Process(target=_run_consumer, args=(url, args.bootstrap, topic, args.partitions)),
    ]
    for worker in workers:
        worker.start()
    bench = Bench(engine, url, topic, args)
    try:
        await bench.phase(50, 3, warmup_s=0)  # warm up: group joined, connections open
        steady = await bench.phase(args.rate, args.seconds, warmup_s=5)
        print(f"steady {args.seconds:.0f}s: {_line(steady)}")
        if args.ramp:
            best, rate = None, args.rate
            while rate <= args.ramp_max:
                result = await bench.phase(rate, args.step_seconds, warmup_s=2)
                print(f"ramp  {args.step_seconds:.0f}s: {_line(result)}")
                if (limit := _limit(result)) is not None:
                    print(f"stopped: {limit}")
                    break
                best, rate = rate, rate * args.ramp_factor
            print(f"highest sustained rate: {best:.0f} events/s" if best else "no step sustained")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} (other work on this machine)")
    finally:
        for worker in workers:
            worker.terminate()  # SIGTERM: each stops gracefully
            worker.join(15)
        await engine.dispose()
        if not args.keep_database:
            async with admin.connect() as conn:
                await conn.execute(text(f'drop database if exists "{name}" with (force)'))
            kafka_admin = AIOKafkaAdminClient(bootstrap_servers=args.bootstrap)
            await kafka_admin.start()
            await kafka_admin.delete_topics([topic, dead_letter_topic(topic)])
            await kafka_admin.close()
        await admin.dispose()


def _arguments() -> argparse.Namespace:
    port = os.environ.get("CARECOORD_PG_PORT", "5433")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="steady phase length")
    parser.add_argument("--rate", type=float, default=500.0, help="steady rate, events/s")
    parser.add_argument("--ramp", action="store_true", help="then ramp to find the ceiling")
    parser.add_argument("--step-seconds", type=float, default=15.0)
    parser.add_argument("--ramp-factor", type=float, default=1.5)
    parser.add_argument("--ramp-max", type=float, default=50_000.0)
    parser.add_argument("--writers", type=int, default=16, help="concurrent writers per process")
    parser.add_argument("--writer-processes", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--poll-interval", type=float, default=0.02)
    parser.add_argument(
        "--admin-url", default=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    )
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--keep-database", action="store_true", help="and the topic")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(_arguments()))
