"""The supervisor restarts real child processes that exit, reports it loudly, records it
in its state file, and brings back infrastructure that is down."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from carecoord_devstack.infra import Component
from carecoord_devstack.paths import pid_alive
from carecoord_devstack.restarts import RestartPolicy
from carecoord_devstack.stack_processes import Child, end
from carecoord_devstack.supervisor import Supervisor

FAST = RestartPolicy(first_delay=0.05, max_delay=0.2, stable_after=60.0)
# Counts its runs in the file named by its argument; the first two runs exit with code 3.
FLAKY = """
import pathlib, sys, time
runs = pathlib.Path(sys.argv[1])
count = int(runs.read_text()) + 1 if runs.exists() else 1
runs.write_text(str(count))
print(f"run {count}", flush=True)
if count <= 2:
    sys.exit(3)
time.sleep(60)
"""


@pytest.fixture
def supervisors() -> Iterator[list[Supervisor]]:
    made: list[Supervisor] = []
    yield made
    for supervisor in made:
        end([p.pid for p in supervisor.processes() if p.poll() is None], timeout=5)
        for process in supervisor.processes():
            process.wait(5)
        supervisor.close(timeout=5)


def _tick_until(supervisor: Supervisor, done: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the supervisor did not get there in time"
        supervisor.tick()
        time.sleep(0.01)


def _record(state_file: Path, name: str) -> dict[str, Any]:
    state = json.loads(state_file.read_text())
    assert state["supervisor_pid"] == os.getpid()
    found: dict[str, Any] = next(c for c in state["components"] if c["name"] == name)
    return found


def test_a_child_that_exits_is_restarted_until_it_stays_up(
    tmp_path: Path, supervisors: list[Supervisor]
) -> None:
    said: list[str] = []
    state_file = tmp_path / "state.json"
    supervisor = Supervisor(dict(os.environ), policy=FAST, state_file=state_file, echo=said.append)
    supervisors.append(supervisor)
    runs = tmp_path / "runs"
    child = Child("flaky", [sys.executable, "-c", FLAKY, str(runs)], log_dir=tmp_path)

    supervisor.start(child, "worker")
    _tick_until(supervisor, lambda: _record(state_file, "flaky")["restarts"] == 2)
    _tick_until(supervisor, lambda: runs.exists() and runs.read_text() == "3")
    stayed_up_from = time.monotonic()
    while time.monotonic() - stayed_up_from < 0.5:  # and it stays up: nothing restarts it
        supervisor.tick()
        time.sleep(0.02)

    record = _record(state_file, "flaky")
    assert (record["state"], record["restarts"], record["last_exit_code"]) == ("up", 2, 3)
    assert child.process is not None
    assert record["pid"] == child.process.pid
    assert pid_alive(record["pid"])
    assert record["kind"] == "worker"
    assert not record["crash_loop"]
    loud = [line for line in said if line.startswith("!! flaky exited with code 3")]
    assert len(loud) == 2
    assert all(str(child.log) in line for line in loud)
    log = child.log.read_text()  # appended across restarts, with a marker for each
    assert [line for line in log.splitlines() if line.startswith("run ")] == [
        "run 1",
        "run 2",
        "run 3",
    ]
    assert "=== restart 2 by carecoord run" in log


def test_a_child_that_keeps_exiting_is_called_a_crash_loop_and_retried_at_the_cap(
    tmp_path: Path, supervisors: list[Supervisor]
) -> None:
    said: list[str] = []
    state_file = tmp_path / "state.json"
    policy = RestartPolicy(first_delay=0.02, max_delay=0.1, loop_exits=3, loop_window=60.0)
    supervisor = Supervisor(
        dict(os.environ), policy=policy, state_file=state_file, echo=said.append
    )
    supervisors.append(supervisor)
    broken = Child("broken", [sys.executable, "-c", "raise SystemExit(7)"], log_dir=tmp_path)

    supervisor.start(broken, "api")
    _tick_until(supervisor, lambda: any(line.startswith("!! CRASH LOOP") for line in said))
    _tick_until(supervisor, lambda: _record(state_file, "broken")["restarts"] >= 4)

    record = _record(state_file, "broken")
    assert record["crash_loop"]
    assert record["last_exit_code"] == 7
    loop = next(line for line in said if line.startswith("!! CRASH LOOP"))
    assert "broken" in loop
    assert "last exit code 7" in loop
    assert str(broken.log) in loop


# The first run leaves a grandchild behind in its process group (as a uvicorn master killed
# before its workers would) and exits; the second run stays up.
ABANDONS = """
import pathlib, subprocess, sys, time
left = pathlib.Path(sys.argv[1])
if not left.exists():
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    left.write_text(str(worker.pid))
    sys.exit(3)
time.sleep(60)
"""


def test_what_an_exited_child_left_in_its_process_group_is_ended_before_the_restart(
    tmp_path: Path, supervisors: list[Supervisor]
) -> None:
    supervisor = Supervisor(dict(os.environ), policy=FAST, echo=lambda _line: None)
    supervisors.append(supervisor)
    left = tmp_path / "left-behind"
    child = Child("master", [sys.executable, "-c", ABANDONS, str(left)], log_dir=tmp_path)

    supervisor.start(child, "api")
    first = child.process
    _tick_until(supervisor, lambda: child.process is not first)
    _tick_until(supervisor, lambda: not pid_alive(int(left.read_text())), timeout=5.0)

    assert child.process is not None
    assert child.process.poll() is None  # the restarted child runs


class _Service:
    """A stand-in for PostgreSQL or Kafka: 'runs' once its start has been called; its first
    start fails, as a server that cannot take its port yet would."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.starts = 0
        self.lock = threading.Lock()

    def start(self) -> str:
        with self.lock:
            self.starts += 1
            if self.starts == 1:
                raise OSError("address already in use")
            self.pid = os.getpid()
        return "started"

    def component(self, log: Path) -> Component:
        return Component(
            "fakedb",
            start=self.start,
            stop=lambda: "stopped",
            running=lambda: self.pid is not None,
            port=lambda: 1,
            where=lambda: "nowhere",
            pid=lambda: self.pid,
            log=lambda: log,
        )


def test_infrastructure_that_is_down_is_started_again_with_backoff(
    tmp_path: Path, supervisors: list[Supervisor]
) -> None:
    said: list[str] = []
    now = [100.0]
    server = _Service()
    supervisor = Supervisor(
        {},
        components=[server.component(tmp_path / "fakedb.log")],
        state_file=tmp_path / "state.json",
        echo=said.append,
        clock=lambda: now[0],
        infra_every=5.0,
    )  # the default policy: 1 s, then 2 s
    supervisors.append(supervisor)

    supervisor.tick()  # finds it down
    assert _record(tmp_path / "state.json", "fakedb")["state"] == "down"
    now[0] += 0.9
    supervisor.tick()
    assert server.starts == 0  # not before its backoff of 1 s
    now[0] += 0.1
    _tick_until(supervisor, lambda: any("did not come back" in line for line in said))
    now[0] += 1.9
    supervisor.tick()
    assert server.starts == 1  # the second try waits 2 s
    now[0] += 0.1
    _tick_until(supervisor, lambda: any("fakedb is back" in line for line in said))

    record = _record(tmp_path / "state.json", "fakedb")
    assert (record["state"], record["pid"], record["restarts"]) == ("up", os.getpid(), 2)
    assert said[0].startswith("!! fakedb is down")
    assert any(
        line.startswith("!! fakedb did not come back: address already in use") for line in said
    )
