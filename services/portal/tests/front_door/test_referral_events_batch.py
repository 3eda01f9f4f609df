"""A run of events applied at once does what its events did one by one (issue 16).

The front door's journey rows and the staff pages' live notices are written when a
run's unit of work finishes, for the whole run at once. Here, on the real database:
the journey table after random runs (several episodes, events out of time order, ties,
kinds and UBRNs an event does not carry, rows already there) matches what the
one-row-at-a-time statement the table had before leaves; and the real worker's
consumers leave the same journey and announce the same references whether a run's
events come one per transaction or all in one.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import asdict, replace
from datetime import timedelta

import pytest
from sqlalchemy import text

from carecoord_devstack.testing import new_nhs_number
from carecoord_shared.events import Event
from portal.store.front_door import EpisodeRow, PatientEpisodes
from portal.store.live import listening
from services.portal.tests.front_door.test_referral_events_cost import (  # noqa: F401 - fixture
    _START,
    Worker,
    applied,
    consumers,
    submission,
    worker_fixture,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

WITHDRAWN = "carecoord.referral.withdrawn.v1"

_ONE_BY_ONE = text(
    """
    INSERT INTO front_door_patient_episode AS e
        (nhs_number, key, kind, ubrn, stage, next_step, due_by, changed_at)
    VALUES (:nhs_number, :key, :kind, :ubrn, :stage, :next_step, :due_by, :changed_at)
    ON CONFLICT (nhs_number, key) DO UPDATE SET
        kind = coalesce(nullif(excluded.kind, ''), e.kind),
        ubrn = coalesce(nullif(excluded.ubrn, ''), e.ubrn),
        stage = excluded.stage, next_step = excluded.next_step,
        due_by = excluded.due_by, changed_at = excluded.changed_at
    WHERE e.changed_at <= excluded.changed_at
    """
)
"""The statement each event's row was kept by before runs were kept at once."""

_ROWS = (
    "SELECT key, kind, ubrn, stage, next_step, due_by, changed_at "
    "FROM front_door_patient_episode WHERE nhs_number = '{}' ORDER BY key"
)


def _random_row(rng: random.Random) -> EpisodeRow:
    return EpisodeRow(
        "",
        rng.choice(("ServiceRequest/a", "ServiceRequest/b")),
        rng.choice(("", "Referral", "Advice and guidance request")),
        rng.choice((None, "", "111111111111", "222222222222")),
        rng.choice(("Sent", "With the service", "Withdrawn")),
        rng.choice((None, "The service will reply to your GP.")),
        rng.choice((None, "2026-12-09")),
        _START + timedelta(minutes=rng.randrange(4)),  # few times: ties and older events
    )


async def test_random_runs_keep_the_rows_their_events_kept_one_by_one(worker: Worker) -> None:
    rng = random.Random(16)
    trials = [(new_nhs_number(), new_nhs_number()) for _ in range(150)]
    async with worker.engine.begin() as conn:
        for one_by_one, at_once in trials:
            before, run = rng.randrange(3), rng.randrange(1, 8)
            rows = [_random_row(rng) for _ in range(before + run)]
            for row in rows[:before]:  # already there, as earlier runs left them
                for nhs in (one_by_one, at_once):
                    await conn.execute(_ONE_BY_ONE, _values(row, nhs))
            for row in rows[before:]:
                await conn.execute(_ONE_BY_ONE, _values(row, one_by_one))
            await PatientEpisodes(conn).apply([_as(row, at_once) for row in rows[before:]])
    for one_by_one, at_once in trials:
        expected = await worker.rows(_ROWS.format(one_by_one))
        assert await worker.rows(_ROWS.format(at_once)) == expected, (one_by_one, at_once)


def _as(row: EpisodeRow, nhs: str) -> EpisodeRow:
    return replace(row, nhs_number=nhs)


def _values(row: EpisodeRow, nhs: str) -> dict[str, object]:
    return asdict(_as(row, nhs))


def _withdrawn(submitted: Event) -> Event:
    data = {k: submitted.data[k] for k in ("serviceRequest", "nhsNumber", "versionId")}
    later = submitted.time + timedelta(hours=1)
    return replace(submitted, id=f"{submitted.id}-w", type=WITHDRAWN, data=data, time=later)


def _journeys() -> list[list[Event]]:
    """Submissions, every third withdrawn, for a few patients, one event per run."""
    patients = [new_nhs_number() for _ in range(4)]
    events: list[Event] = []
    for n in range(12):
        made = submission(patients[n % 4], n)
        events += [*made, _withdrawn(made[0])] if n % 3 == 0 else made
    return [[e] for e in events]


async def _announced(worker: Worker, runs: list[list[Event]], group: str) -> list[str]:
    heard: list[str] = []
    async with listening(worker.engine, heard.extend):
        await applied(consumers(worker)[group], runs)
        await asyncio.sleep(0.3)  # notices arrive on the listening connection after commit
    return heard


async def test_the_consumers_do_the_same_for_a_run_as_for_its_events_one_by_one(
    worker: Worker,
) -> None:
    one_by_one = _journeys()
    at_once = [[e for run in one_by_one for e in run]]
    shown = "SELECT * FROM front_door_patient_episode ORDER BY nhs_number, key"

    clear = "DELETE FROM front_door_patient_episode RETURNING key"

    await worker.rows(clear)
    await applied(consumers(worker)["front-door"], one_by_one)
    journey = await worker.rows(shown)
    heard_one_by_one = await _announced(worker, one_by_one, "staff-live")
    await worker.rows(clear)
    await applied(consumers(worker)["front-door"], at_once)
    heard_at_once = await _announced(worker, at_once, "staff-live")

    assert len(journey) == 12
    assert await worker.rows(shown) == journey
    assert heard_one_by_one
    assert set(heard_at_once) == set(heard_one_by_one)
    assert len(heard_at_once) == len(set(heard_at_once))  # each reference announced once
