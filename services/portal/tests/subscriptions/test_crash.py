"""Kill -9 of the portal worker in the middle of a burst: nothing lost, nothing the
partner cannot de-duplicate, each patient's events still in order.

The worker runs as its own process (`carecoord-portal-worker`, real clock, a short
delivery lease), the API in the test; the receiver answers slowly so the kill lands
while notifications are in flight. A second worker then finishes the burst. What the
partner sees is judged as a partner would: by `webhook-id` (a single-event
notification resent keeps its id) and by the event numbers inside each notification
(a batch regrouped after the crash carries the same numbers).
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

from portal.settings import PortalSettings
from services.portal.tests.subscriptions import conftest as given
from services.portal.tests.subscriptions.receiver import Answer, Receiver, free_port, verify

WORKER = Path(__file__).resolve().parents[4] / ".venv" / "bin" / "carecoord-portal-worker"
EVENTS_PER_PATIENT = 20
WHOLE = "*"
"""A whole-system agreement: no event waits on the patient's practice being known."""


def start_worker(settings: PortalSettings) -> subprocess.Popen[bytes]:
    values = settings.model_dump(include=settings.model_fields_set)
    env = {**os.environ, **{f"PORTAL_{k.upper()}": str(v) for k, v in values.items()}}
    env["PORTAL_WORKER_PORT"] = str(free_port())
    return subprocess.Popen([str(WORKER)], env=env, stdout=subprocess.DEVNULL)


def batched(body: dict[str, Any], max_count: int) -> dict[str, Any]:
    extension = {"url": f"{given.BACKPORT}/backport-max-count", "valuePositiveInt": max_count}
    body["channel"]["extension"].append(extension)
    return body


def first_arrivals(receiver: Receiver, url_part: str) -> list[tuple[int, str]]:
    """Each event number with its patient, in the order it first arrived."""
    seen: dict[int, str] = {}
    for request in receiver.of_kind("event-notification"):
        if url_part not in request.headers["webhook-id"]:
            continue
        for number, focus in zip(request.numbers, request.focuses, strict=True):
            seen.setdefault(number, focus.rsplit("/", 1)[1].split("-")[0])
    return list(seen.items())


async def test_kill_9_mid_burst_loses_nothing_and_duplicates_only_what_can_be_deduplicated(
    api_alone: given.Portal, receiver: Receiver
) -> None:
    receiver.script = lambda _h, _b: Answer(200, (), 0.03)
    secret = given.new_secret()
    ids = []
    for body in (
        given.subscription(receiver.url, secret),
        batched(given.subscription(receiver.url, secret), 4),
    ):
        created = await api_alone.subscribe(body, agreement=WHOLE)
        assert created.status_code == 201, created.text
        ids.append(str(created.json()["id"]))
    patients = [given.new_nhs_number() for _ in range(3)]
    worker = start_worker(api_alone.settings)
    try:
        for subscription_id in ids:
            await given.eventually(
                functools.partial(_is_active, api_alone, subscription_id), timeout_s=60
            )
        burst = [
            given.triaged(p, f"{p}-{i:02d}") for i in range(EVENTS_PER_PATIENT) for p in patients
        ]
        await api_alone.publish(api_alone.settings.referrals_topic, *burst)
        await given.eventually(
            lambda: asyncio.sleep(0, len(receiver.of_kind("event-notification")) >= 8)
        )
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        total = EVENTS_PER_PATIENT * len(patients)
        assert len(first_arrivals(receiver, ids[0])) < total  # killed in the middle
        worker = start_worker(api_alone.settings)

        async def all_arrived() -> bool:
            return all(len(first_arrivals(receiver, s)) == total for s in ids)

        await given.eventually(all_arrived, timeout_s=90)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    judged_as_a_partner(receiver, secret, ids, total)
    for subscription_id in ids:
        replay = await api_alone.get(
            f"Subscription/{subscription_id}/$events?eventsSinceNumber=1", agreement=WHOLE
        )
        events = [
            p
            for p in replay.json()["entry"][0]["resource"]["parameter"]
            if p["name"] == "notification-event"
        ]
        assert len(events) == total


async def _is_active(api_alone: given.Portal, subscription_id: str) -> bool:
    return bool((await api_alone.status(subscription_id, agreement=WHOLE))["status"] == "active")


def judged_as_a_partner(receiver: Receiver, secret: str, ids: list[str], total: int) -> None:
    by_id: dict[str, set[tuple[int, ...]]] = defaultdict(set)
    for request in receiver.of_kind("event-notification"):
        assert verify(secret, request.headers, request.body)
        by_id[request.headers["webhook-id"]].add(tuple(request.numbers))
    assert all(len(contents) == 1 for contents in by_id.values())  # a resend is the same
    for subscription_id in ids:
        arrivals = first_arrivals(receiver, subscription_id)
        assert sorted(n for n, _ in arrivals) == list(range(1, total + 1))
        per_patient: dict[str, list[int]] = defaultdict(list)
        for number, patient in arrivals:
            per_patient[patient].append(number)
        assert all(order == sorted(order) for order in per_patient.values())
