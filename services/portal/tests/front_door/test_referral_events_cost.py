"""What the portal's worker spends on the events an A&G submission produces (issue 16).

Each submission sends `referral.submitted` and `referral.routed`; the portal's worker
reads them in three consumer groups (the front door's journey, the staff pages' live
notices, partner subscriptions), each a transaction per run of one partition's events.
Here the real worker's handlers apply them on the real database as its consumers do:
runs of one submission (live) and one run of many (catching up). The statements are
exact and capped; the CPU per event is printed (`-s`) for the record, not asserted
(the machine is shared).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_devstack.testing import create_fresh_database, new_nhs_number, settings_under_test
from carecoord_shared.db import create_engine, migrate_async
from carecoord_shared.events import Event, InboxConsumer, new_event
from carecoord_shared.testing.statements import Statements, counting
from carecoord_shared.worker import Subscription, build_worker
from portal.definition import SERVICE
from portal.settings import PortalSettings

pytestmark = pytest.mark.asyncio(loop_scope="session")

GROUPS = ("front-door", "staff-live")
SUBMISSIONS = 50
_START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def submission(nhs: str, n: int) -> list[Event]:
    """The two events of one A&G submission routed to a service, as referrals says them."""
    request, ubrn = f"ServiceRequest/{uuid.uuid4()}", f"{n:012d}"
    said = {"serviceRequest": request, "ubrn": ubrn, "nhsNumber": nhs}
    at = _START + timedelta(seconds=n)
    submitted = {
        **said,
        "versionId": "1",
        "status": "active",
        "intent": "order",
        "category": ["advice-and-guidance"],
        "priority": "routine",
        "requester": "Organization/A81001",
        "performer": ["HealthcareService/resp"],
    }
    routed = {**said, "service": "HealthcareService/resp", "task": f"Task/{uuid.uuid4()}"}
    return [
        new_event(
            f"carecoord.referral.{kind}.v1",
            source="urn:carecoord:referrals",
            subject=request,
            data=data,
            nhs_number=nhs,
            time=at,
        )
        for kind, data in (
            ("submitted", submitted),
            ("routed", {**routed, "dueBy": "2026-12-09T17:00:00Z"}),
        )
    ]


@dataclass(frozen=True, slots=True)
class Worker:
    """The portal worker's consumers on a fresh, migrated database (no Kafka needed)."""

    engine: AsyncEngine
    subscriptions: Sequence[Subscription]

    async def scalar(self, sql: str) -> object:
        async with self.engine.connect() as conn:
            return await conn.scalar(text(sql))

    async def rows(self, sql: str) -> list[tuple[object, ...]]:
        async with self.engine.begin() as conn:
            return [tuple(r) for r in await conn.execute(text(sql))]


@pytest.fixture(scope="module", name="worker")
async def worker_fixture(infrastructure: None) -> AsyncIterator[Worker]:
    url = await create_fresh_database("portal")
    await migrate_async(url, SERVICE.migrations)
    settings = settings_under_test(
        PortalSettings, database_url=url, jwks_url="http://unused/jwks", kafka_bootstrap="unused"
    )
    engine = create_engine(settings.db_url, pool_size=2)
    try:
        yield Worker(engine, build_worker(SERVICE, settings).subscriptions)
    finally:
        await engine.dispose()


def consumers(worker: Worker) -> dict[str, InboxConsumer]:
    """The worker's consumer groups that read referrals' events, each a fresh group."""
    return {
        s.name: InboxConsumer(
            worker.engine,
            "unused:9092",
            f"{s.name}.{uuid.uuid4().hex[:6]}",
            s.topics,
            s.handlers,
            run_scope=s.run_scope,
        )
        for s in worker.subscriptions
        if s.name in GROUPS
    }


async def applied(consumer: InboxConsumer, runs: list[list[Event]]) -> Statements:
    with counting(consumer._engine) as seen:
        for run in runs:
            await consumer._apply(run)
    assert consumer.stats.handled == sum(map(len, runs))
    return seen


def _report(name: str, group: str, seen: Statements, events: int) -> None:
    print(
        f"\n{name} {group}: {seen.count} statements + {seen.transactions} transaction(s) for "
        f"{events} events = {seen.round_trips() / events:.2f} round trips and "
        f"{1000 * seen.cpu_s / events:.2f} ms CPU per event"
    )


async def test_a_run_costs_one_statement_besides_its_inbox_rows(worker: Worker) -> None:
    patients = [new_nhs_number() for _ in range(10)]
    made = [submission(patients[n % 10], n) for n in range(SUBMISSIONS)]
    for name, runs in (("live", made), ("catch-up", [[e for run in made for e in run]])):
        for group, consumer in consumers(worker).items():
            seen = await applied(consumer, runs)
            _report(name, group, seen, 2 * SUBMISSIONS)
            # the inbox rows, then the journey rows or the notices: one statement each
            # for the run (one per event before runs were kept at once: 3 a submission
            # live, 101 for the catch-up's 100 events)
            assert seen.count == 2 * len(runs), seen.statements
            assert seen.transactions == len(runs)
    lines = await worker.scalar("SELECT count(*) FROM front_door_patient_episode")
    assert lines == SUBMISSIONS
