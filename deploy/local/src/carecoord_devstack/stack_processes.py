"""Child processes of the local stack: start each in its own group, watch it, end it.

The supervisor behind `carecoord run` must start a dozen long-running processes
whose output goes to files, tell when one dies and why, and end every one of them
(with anything they spawned) on Ctrl-C, on `carecoord stop`, or after a crash of
the supervisor itself. These mechanics do not depend on what the processes are,
so they live here, apart from `stack`, which knows the CareCoord services: each
child gets its own session and process group (so one signal reaches all of it and
the terminal's Ctrl-C reaches only the supervisor), and the variable MARKER in its
environment names the checkout that started it, which is how leftovers are found.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from carecoord_devstack.paths import pid_alive, repo_root, run_dir, tail

__all__ = [
    "CHILD_STOP_TIMEOUT",
    "MARKER",
    "Child",
    "end",
    "end_leftovers",
    "launch",
    "signal_group",
    "stray_processes",
]

MARKER = "CARECOORD_STACK_HOME"
"""Set to the checkout's root in every child's environment: "started by this checkout"."""
CHILD_STOP_TIMEOUT = 10.0


@dataclass
class Child:
    """A named child process with its command line and its log under `.run/logs/`."""

    name: str
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    log_dir: Path | None = None  # default: `.run/logs/`

    @property
    def log(self) -> Path:
        return (self.log_dir or run_dir("logs")) / f"{self.name}.log"

    def exit_code(self) -> int | None:
        return self.process.poll() if self.process else None

    def obituary(self, when: str) -> str:
        code, log = self.exit_code(), self.log
        return f"{self.name} exited with code {code} {when}; {log} ends:\n{tail(log, 20)}"


def launch(
    command: list[str], log: Path, env: dict[str, str], *, append: bool = False
) -> subprocess.Popen[bytes]:
    """Start `command` in its own session and process group (ended as a whole, and deaf
    to the terminal's Ctrl-C), its output replacing `log` (or added to it, for a restart,
    so the output that led to the crash stays readable)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab" if append else "wb") as out:
        return subprocess.Popen(
            command,
            cwd=repo_root(),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process group `pid` leads, or just `pid` if it shares ours."""
    with contextlib.suppress(ProcessLookupError):
        group = os.getpgid(pid)
        if group != os.getpgrp():
            os.killpg(group, sig)
        else:
            os.kill(pid, sig)


def end_leftovers(leader: int, sig: signal.Signals) -> bool:
    """Signal what is left of the process group a dead child led (its pid is the group's id,
    as `launch` starts each child in a new session): say a uvicorn worker that outlived
    its master and still holds the port the restarted child needs. True when something
    was left (while a group has members, its id cannot be handed to a new process)."""
    if leader == os.getpgrp():
        return False
    try:
        os.killpg(leader, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def end(pids: list[int], timeout: float = CHILD_STOP_TIMEOUT) -> list[int]:
    """SIGTERM each process group, SIGKILL what is left after `timeout`; returns the killed."""
    for pid in pids:
        signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(pid_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    killed = [pid for pid in pids if pid_alive(pid)]
    for pid in killed:
        signal_group(pid, signal.SIGKILL)
    return killed


def stray_processes() -> list[int]:
    """Live processes started by a `carecoord run` of this checkout (found by MARKER)."""
    needle = f"{MARKER}={repo_root()}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return [pid for pid in found if pid_alive(pid)]
