"""`carecoord status` prints the supervisor's record, checked against the machine: a
process the record calls up but that is gone is reported down."""

from __future__ import annotations

import http.server
import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from carecoord_devstack import status
from carecoord_devstack.stack_services import REPLICA_PORT_STEP
from carecoord_shared.testing.loopback import TEST_PORTS


@pytest.fixture
def live_pid() -> Iterator[int]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    yield process.pid
    process.kill()
    process.wait()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _row(name: str, pid: int, restarts: int, code: int | None) -> dict[str, object]:
    kind = "worker" if name.endswith("-worker") else "api"
    return {"name": name, "kind": kind, "state": "up", "pid": pid, "restarts": restarts} | {
        "last_exit_code": code,
        "crash_loop": False,
        "next_start_in": None,
    }


def test_status_reports_each_component_and_does_not_trust_a_stale_record(
    record_stack: Callable[[dict[str, Any]], None],
    live_pid: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    record = {
        "supervisor_pid": os.getpid(),
        "components": [
            _row("portal", live_pid, 1, -9),
            _row("portal-worker", _dead_pid(), 0, None),  # killed after the record was written
        ],
    }
    record_stack(record)

    all_up = status.report()

    lines = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[2:]}
    assert lines["portal"][:5] == ["portal", "up", str(live_pid), "1", "-9"]
    assert lines["portal-worker"][:5] == ["portal-worker", "down", "-", "0", "-"]
    assert lines["postgres"][1] == "down"  # nothing runs from this (empty) checkout
    assert lines["kafka"][1] == "down"
    assert not all_up


def test_status_says_when_no_supervisor_runs(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not status.report()

    assert capsys.readouterr().out.startswith("no supervisor is running")


class _Healthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def _below_the_ephemeral_range() -> http.server.HTTPServer:
    for port in random.sample(TEST_PORTS, 50):
        try:
            return http.server.HTTPServer(("127.0.0.1", port), _Healthy)
        except OSError:
            continue
    raise AssertionError("no free port below the ephemeral range")


def test_every_replica_is_probed_on_its_own_port(
    record_stack: Callable[[dict[str, Any]], None],
    live_pid: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = _below_the_ephemeral_range()  # the second replica's port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("CARECOORD_REPLICAS", "2")
    monkeypatch.setenv("PORTAL_WORKER_PORT", str(server.server_port - REPLICA_PORT_STEP))
    record = {
        "supervisor_pid": os.getpid(),
        "components": [_row("portal-2-worker", live_pid, 0, None)],
    }
    record_stack(record)
    try:
        status.report()
    finally:
        server.shutdown()
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert lines["portal-2-worker"].endswith("healthz 200")
