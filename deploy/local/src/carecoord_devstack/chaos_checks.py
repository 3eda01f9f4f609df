"""What a chaos run checks in the data once the faults are over: nothing lost, nothing
doubled, each patient's order kept, nothing dead-lettered.

The truth is in the databases, not in what the load generator believes: every
`referral.triaged` advice-given event that referrals committed to its outbox must
have become exactly one Task in care_plans (keyed by the fact, `ServiceRequest/x#
advice-given`), linked once into the patient's care plan, and each plan's activities
must be in the order the patient's units were sent. What clients were told counts
too: a triage a client saw succeed must be among the committed ones. The checks read
the chaos stack's PostgreSQL directly (a new connection per query, so a check
survives the database having been restarted) and ask Kafka for the size of every
dead-letter topic.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs; the project pins it
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from care_plans.fhir.vocabulary import EVENT_ID_SYSTEM
from carecoord_devstack.chaos_load import Person, Unit
from carecoord_devstack.postgres import DATABASES, pg_port

__all__ = ["Verdict", "fetch", "registered", "settle", "verify"]

TRIAGED = "carecoord.referral.triaged.v1"
ADVICE_SUFFIX = "#advice-given"

_TASK_KEYS = """
select r.id, ident->>'value' as key
from resource r, jsonb_array_elements(convert_from(r.content, 'UTF8')::jsonb->'identifier') ident
where r.resource_type = 'Task' and not r.deleted and ident->>'system' = $1
  and ident->>'value' like '%' || $2
"""


async def fetch(database: str, sql: str, *args: Any) -> list[Any]:
    """Rows of one query on a fresh connection to the chaos stack's PostgreSQL."""
    conn = await asyncpg.connect(
        host="127.0.0.1", port=pg_port(), user="postgres", database=database, timeout=5
    )
    try:
        return list(await conn.fetch(sql, *args, timeout=30))
    finally:
        await conn.close()


async def registered(people: Sequence[Person], timeout_s: float) -> None:
    """Wait until referrals has learnt every patient's registered practice (by event)."""
    wanted = [person.nhs for person in people]
    deadline = time.monotonic() + timeout_s
    while True:
        rows = await fetch(
            "referrals",
            "select count(distinct patient_nhs) from access_grant "
            "where party_kind = 'organisation' and patient_nhs = any($1)",
            wanted,
        )
        if rows[0][0] >= len(wanted):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"only {rows[0][0]} of {len(wanted)} registrations reached referrals"
            )
        await asyncio.sleep(0.5)


async def _committed_advice() -> set[str]:
    """ServiceRequest ids whose advice-given triage referrals committed (its outbox)."""
    rows = await fetch("referrals", "select payload from outbox where type = $1", TRIAGED)
    found = set()
    for (payload,) in rows:
        data = orjson.loads(payload)
        if data.get("outcome") == "advice-given" and isinstance(data.get("serviceRequest"), str):
            found.add(data["serviceRequest"].split("/", 1)[1])
    return found


async def _effects() -> dict[str, list[str]]:
    """Task ids in care_plans per ServiceRequest id whose advice they record."""
    rows = await fetch("care_plans", _TASK_KEYS, EVENT_ID_SYSTEM, ADVICE_SUFFIX)
    tasks: dict[str, list[str]] = {}
    for task_id, key in rows:
        request = key.removesuffix(ADVICE_SUFFIX).split("/", 1)[1]
        tasks.setdefault(request, []).append(task_id)
    return tasks


async def _unpublished() -> int:
    total = 0
    for database in DATABASES:
        rows = await fetch(database, "select count(*) from outbox where published_at is null")
        total += rows[0][0]
    return int(total)


async def settle(timeout_s: float) -> float:
    """Wait until every outbox is published and every committed advice has its Task
    (the consumers have caught up); returns the seconds it took."""
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        try:
            committed, effects = await _committed_advice(), await _effects()
            if not (committed - effects.keys()) and await _unpublished() == 0:
                return time.monotonic() - began
        except (OSError, asyncpg.PostgresError):
            pass  # the database may still be coming back
        await asyncio.sleep(1.0)
    return time.monotonic() - began


async def dead_letters(bootstrap: str) -> dict[str, int]:
    """Records in each dead-letter topic (`*.dlt`)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        topics = [t for t in await consumer.topics() if t.endswith(".dlt")]
        counts: dict[str, int] = {}
        for topic in topics:
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            ends = await consumer.end_offsets(parts) if parts else {}
            counts[topic] = sum(ends.values())
        return counts
    finally:
        await consumer.stop()


@dataclass
class Verdict:
    committed: int = 0
    acknowledged: int = 0
    lost: list[str] = field(default_factory=list)  # committed advice without a Task
    duplicated: list[str] = field(default_factory=list)  # more than one Task, or link
    reordered: list[str] = field(default_factory=list)  # patients whose plan is out of order
    unlinked: list[str] = field(default_factory=list)  # Tasks not in the patient's plan
    acknowledged_not_committed: list[int] = field(default_factory=list)  # unit numbers
    dead_letters: dict[str, int] = field(default_factory=dict)
    unpublished: int = 0

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.reordered
            or self.unlinked
            or self.acknowledged_not_committed
            or sum(self.dead_letters.values())
            or self.unpublished
        )


async def _plans() -> dict[str, list[str]]:
    """Task ids linked from each patient's care plan, in the plan's order."""
    rows = await fetch(
        "care_plans",
        "select patient_nhs, content from resource "
        "where resource_type = 'CarePlan' and not deleted",
    )
    plans: dict[str, list[str]] = {}
    for nhs, content in rows:
        activities = orjson.loads(content).get("activity", [])
        refs = [a.get("reference", {}).get("reference", "") for a in activities]
        plans[nhs] = [ref.split("/", 1)[1] for ref in refs if ref.startswith("Task/")]
    return plans


def _order(
    verdict: Verdict, units: Sequence[Unit], effects: dict[str, list[str]], plans: Any
) -> None:
    number_of = {u.request_id: u.number for u in units if u.request_id}
    request_of = {task: request for request, tasks in effects.items() for task in tasks}
    for nhs, linked in plans.items():
        counts = Counter(linked)
        verdict.duplicated += [f"Task/{t} linked {n} times" for t, n in counts.items() if n > 1]
        numbers = [number_of.get(request_of.get(task, ""), -1) for task in linked]
        ours = [n for n in numbers if n >= 0]
        if ours != sorted(ours):
            verdict.reordered.append(f"{nhs}: units {ours}")
    linked_anywhere = {task for linked in plans.values() for task in linked}
    verdict.unlinked = sorted(request_of[task] for task in set(request_of) - linked_anywhere)


async def verify(units: Sequence[Unit], bootstrap: str) -> Verdict:
    """Every check, after `settle`."""
    committed, effects, plans = await _committed_advice(), await _effects(), await _plans()
    verdict = Verdict(committed=len(committed))
    verdict.acknowledged = sum(1 for u in units if u.acknowledged)
    verdict.lost = sorted(committed - effects.keys())
    verdict.duplicated = [
        f"ServiceRequest/{r}: {len(t)} Tasks" for r, t in effects.items() if len(t) > 1
    ]
    verdict.acknowledged_not_committed = [
        u.number for u in units if u.acknowledged and u.request_id not in committed
    ]
    _order(verdict, units, effects, plans)
    verdict.dead_letters = await dead_letters(bootstrap)
    verdict.unpublished = await _unpublished()
    return verdict
