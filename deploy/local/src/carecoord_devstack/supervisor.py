"""The supervisor of `carecoord run`: whatever exits is started again, and everyone is told.

A chaos run showed the data surviving every kill while nothing came back by itself:
a killed worker stayed dead until a person noticed a line in the output. So the
supervisor watches every API and worker it started, and the local PostgreSQL and
Kafka. A child that exits is restarted after a backoff (`restarts`), what is left of
its process group is ended first (a uvicorn worker must not keep the port), and its
log is appended to, not replaced, so the crash stays readable. A component of the
infrastructure that is down is started again through its own `start` (in a thread:
Kafka may take minutes to recover its logs, and the children must not wait for
that). Every exit is a `!!` line naming the component, its exit code and its log; a
crash loop gets its own `!! CRASH LOOP` line and goes on being retried at the cap.
The supervisor writes what it knows to a small JSON file (`.run/stack.state.json`)
that `carecoord status` reads. Time comes from an injectable clock, so its decisions
can be tested without waiting.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from carecoord_devstack.infra import Component
from carecoord_devstack.paths import tail
from carecoord_devstack.restarts import RestartPolicy, RestartTracker
from carecoord_devstack.stack_processes import Child, end_leftovers, launch

__all__ = ["STATE_FILE", "Supervisor"]

Echo = Callable[[str], None]
STATE_FILE = "stack.state.json"  # under .run/
INFRA_CHECK_EVERY = 5.0  # seconds between looks at PostgreSQL and Kafka
HEARTBEAT = 5.0  # the state file is rewritten at least this often
TAIL_LINES, TAIL_WIDTH = 10, 200  # how much of a log an exit report shows


@dataclass
class _Watched:
    name: str
    kind: str  # "api", "worker" or "infra"
    log: Path
    tracker: RestartTracker
    child: Child | None = None
    component: Component | None = None
    pid: int | None = None
    due: float | None = None  # when it is down: the time its next start is due
    attempt: Future[str] | None = None  # an infrastructure start in progress
    checked: float = float("-inf")  # when the infrastructure was last looked at
    loop_reported: bool = False
    leftovers: bool = False  # the exited child's process group still had members
    env: dict[str, str] | None = None  # a replica's own variables on top of the stack's


class Supervisor:
    """Starts children, restarts what exits, restarts infrastructure that is down."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        components: Sequence[Component] = (),
        policy: RestartPolicy | None = None,
        state_file: Path | None = None,
        echo: Echo = print,
        clock: Callable[[], float] = time.monotonic,
        infra_every: float = INFRA_CHECK_EVERY,
    ) -> None:
        self._env, self._policy = env, policy or RestartPolicy()
        self._state_file, self._echo, self._clock = state_file, echo, clock
        self._infra_every, self._written = infra_every, float("-inf")
        self._watched: dict[str, _Watched] = {}
        self._pool = ThreadPoolExecutor(max(1, len(components)), "carecoord-infra")
        for component in components:  # up when supervision begins: `infra up` has run
            watched = _Watched(
                component.name, "infra", component.log(), RestartTracker(self._policy)
            )
            watched.component = component
            watched.tracker.started(clock(), restart=False)
            self._watched[component.name] = watched

    def start(self, child: Child, kind: str, env: dict[str, str] | None = None) -> None:
        """Launch `child` ("api" or "worker") and supervise it from now on; `env` is added
        to the stack's environment (a replica's own port), at every restart too."""
        watched = _Watched(child.name, kind, child.log, RestartTracker(self._policy), child)
        watched.env = env
        self._watched[child.name] = watched
        self._launch(watched, self._clock(), restart=False)
        self._write_state(self._clock())

    def tick(self) -> None:
        """Look at everything once: note exits, start what is due, record the state."""
        now = self._clock()
        changed = False
        for watched in list(self._watched.values()):
            if watched.child is not None:
                changed = self._check_child(watched, watched.child, now) or changed
            elif watched.component is not None:
                changed = self._check_infra(watched, watched.component, now) or changed
        if changed or now - self._written >= HEARTBEAT:
            self._write_state(now)

    def run_forever(self, interval: float = 0.5) -> NoReturn:
        """Supervise until interrupted (SIGINT/SIGTERM raise KeyboardInterrupt)."""
        while True:
            self.tick()
            time.sleep(interval)

    def processes(self) -> list[subprocess.Popen[bytes]]:
        """The current process of every child started so far (to end them at shutdown)."""
        return [w.child.process for w in self._watched.values() if w.child and w.child.process]

    def close(self, timeout: float) -> bool:
        """Start nothing more; wait up to `timeout` for infrastructure starts in flight.
        True when none is left running (so stopping the infrastructure now is final)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        running = [w.attempt for w in self._watched.values() if w.attempt is not None]
        _, left = concurrent.futures.wait(running, timeout=timeout)
        return not left

    def _launch(self, watched: _Watched, now: float, *, restart: bool) -> None:
        child = watched.child
        assert child is not None
        if restart:
            number = watched.tracker.restarts + 1
            with child.log.open("ab") as log:
                stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                log.write(f"\n=== restart {number} by carecoord run at {stamp} ===\n".encode())
        try:
            env = {**self._env, **watched.env} if watched.env else self._env
            child.process = launch(child.command, child.log, env, append=restart)
        except OSError as error:
            if not restart:
                raise
            watched.tracker.started(now, restart=True)
            self._down(watched, now, None, f"could not be started ({error})")
            return
        watched.pid = child.process.pid
        watched.tracker.started(now, restart=restart)
        if restart:
            self._echo(f"   {child.name} restarted (pid {watched.pid})")

    def _check_child(self, watched: _Watched, child: Child, now: float) -> bool:
        if watched.due is None:
            code = child.exit_code()
            if code is None:
                return False
            if watched.pid is not None:
                watched.leftovers = end_leftovers(watched.pid, signal.SIGTERM)
            self._down(watched, now, code, f"exited with code {code}")
            return True
        if now < watched.due:
            return False
        if watched.leftovers and child.process is not None:
            end_leftovers(child.process.pid, signal.SIGKILL)  # what SIGTERM did not end
        watched.due, watched.leftovers = None, False
        self._launch(watched, now, restart=True)
        return True

    def _check_infra(self, watched: _Watched, component: Component, now: float) -> bool:
        if watched.attempt is not None:
            if not watched.attempt.done():
                return False
            self._attempt_done(watched, watched.attempt, now)
            return True
        if watched.due is not None:
            if now < watched.due:
                return False
            watched.due = None
            watched.tracker.started(now, restart=True)
            self._echo(f"   {component.name}: starting it again")
            watched.attempt = self._pool.submit(component.start)
            return True
        if now - watched.checked < self._infra_every:
            return False
        watched.checked, before = now, watched.pid
        watched.pid = component.pid()
        if watched.pid is not None:
            return watched.pid != before
        self._down(watched, now, None, "is down (no process)")
        return True

    def _attempt_done(self, watched: _Watched, attempt: Future[str], now: float) -> None:
        watched.attempt = None
        try:
            message = attempt.result()
        except Exception as error:  # any failure is reported, and retried after a backoff
            self._down(watched, now, None, f"did not come back: {error}")
            return
        assert watched.component is not None
        watched.pid, watched.checked = watched.component.pid(), now
        self._echo(f"   {watched.name} is back: {message}")

    def _down(self, watched: _Watched, now: float, code: int | None, what: str) -> None:
        """Record an exit, schedule the next start and say so, loudly."""
        delay = watched.tracker.exited(code, now)
        watched.due, watched.pid = now + delay, None
        stamp, first = time.strftime("%H:%M:%S"), watched.tracker.streak == 1
        self._echo(
            f"!! {watched.name} {what} at {stamp}; starting it again in {delay:g} s "
            f"(restarts so far: {watched.tracker.restarts}); log: {watched.log}"
        )
        looping = watched.tracker.crash_loop(now)
        if looping:
            policy = self._policy
            self._echo(
                f"!! CRASH LOOP: {watched.name} went down {policy.loop_exits} times within "
                f"{policy.loop_window:g} s (last exit code {watched.tracker.last_exit_code}); "
                f"still retrying every {policy.max_delay:g} s; log: {watched.log}"
            )
        if first or (looping and not watched.loop_reported):
            for line in tail(watched.log, TAIL_LINES).splitlines():
                self._echo(f"     | {line[:TAIL_WIDTH]}")
        watched.loop_reported = looping

    def _entry(self, watched: _Watched, now: float) -> dict[str, object]:
        tracker = watched.tracker
        state = "starting" if watched.attempt else "down" if watched.due is not None else "up"
        up_since = tracker.started_at if state == "up" else None
        return {
            "name": watched.name,
            "kind": watched.kind,
            "state": state,
            "pid": watched.pid,
            "restarts": tracker.restarts,
            "last_exit_code": tracker.last_exit_code,
            "crash_loop": tracker.crash_loop(now),
            "next_start_in": None if watched.due is None else round(watched.due - now, 1),
            "up_for": None if up_since is None else round(now - up_since, 1),
            "log": str(watched.log),
        }

    def _write_state(self, now: float) -> None:
        self._written = now
        if self._state_file is None:
            return
        state = {
            "supervisor_pid": os.getpid(),
            "written_at": time.time(),
            "components": [self._entry(w, now) for w in self._watched.values()],
        }
        self._state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self._state_file.with_name(self._state_file.name + ".partial")
        partial.write_text(json.dumps(state, indent=1) + "\n")
        partial.replace(self._state_file)  # readers never see half a file
