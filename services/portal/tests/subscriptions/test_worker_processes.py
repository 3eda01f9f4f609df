"""The portal worker as deployed: the consumers in `carecoord-portal-worker`, the delivery
loop in a process it starts beside itself, keeps running, and takes down with it.

Judged from outside, as an operator would: the processes the worker started (Linux
`/proc`), and webhooks arriving at a real receiver, which only the delivery process
sends.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from services.portal.tests.subscriptions import conftest as given
from services.portal.tests.subscriptions.receiver import Receiver
from services.portal.tests.subscriptions.test_crash import WHOLE, start_worker


def children(pid: int) -> list[int]:
    """The delivery processes `pid` started (not, say, the short-lived child that
    migrates the database while the worker starts)."""
    found = " ".join(p.read_text() for p in Path(f"/proc/{pid}/task").glob("*/children"))
    return [int(child) for child in found.split() if _delivers(int(child))]


def _delivers(pid: int) -> bool:
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return False
    return b"portal.worker" in arguments and b"--delivery" in arguments  # as `ps` shows it


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


async def test_delivery_runs_beside_the_consumers_restarts_and_dies_with_the_worker(
    api_alone: given.Portal, receiver: Receiver
) -> None:
    created = await api_alone.subscribe(
        given.subscription(receiver.url, given.new_secret()), agreement=WHOLE
    )
    assert created.status_code == 201, created.text
    worker = start_worker(api_alone.settings)
    try:
        first = await given.eventually(lambda: asyncio.sleep(0, children(worker.pid)), 60)
        assert len(first) == 1
        await given.eventually(lambda: asyncio.sleep(0, receiver.of_kind("handshake")), 60)
        os.kill(first[0], signal.SIGKILL)  # the delivery process dies: started again
        again = await given.eventually(
            lambda: asyncio.sleep(0, [c for c in children(worker.pid) if c not in first]), 30
        )
        nhs = given.new_nhs_number()
        await api_alone.publish(api_alone.settings.referrals_topic, given.triaged(nhs, "after"))
        arrived = await given.eventually(
            lambda: asyncio.sleep(0, receiver.of_kind("event-notification")), 60
        )
        assert arrived[0].focuses[0].endswith("/after")
        worker.send_signal(signal.SIGKILL)  # the worker dies: its delivery process too
        worker.wait(10)
        assert await given.eventually(lambda: asyncio.sleep(0, not running(again[0])), 15)
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
