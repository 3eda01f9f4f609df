"""The small chaos run inside `make test`: the whole stack on its own ports, under load,
with a worker, the Kafka broker and PostgreSQL each killed once (kill -9), nobody
helping. It passes only when no effect was lost, doubled or reordered, nothing was
dead-lettered, clients saw nothing but 503 + Retry-After during the database outage,
the APIs stayed ready (degraded) while Kafka was down, and every process came back by
itself. `make chaos` is the full run; this one proves the machinery on every change.

It runs as a child process because the launcher caches where the stack lives, and the
chaos stack must live elsewhere than the one the rest of the suite uses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(1200)
@pytest.mark.skipif(
    os.environ.get("CARECOORD_SKIP_CHAOS") == "1", reason="CARECOORD_SKIP_CHAOS=1 was set"
)
def test_stack_recovers_by_itself_and_keeps_every_effect_once_in_order() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "carecoord_devstack.chaos", "--small", "--replicas", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1100,
        check=False,
    )
    report = done.stdout[-12000:] + done.stderr[-4000:]
    print(report)  # the recovery times, shown with -s or when the test fails
    assert done.returncode == 0, report
    assert "CHAOS PASSED" in done.stdout
