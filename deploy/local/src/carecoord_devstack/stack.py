"""`carecoord run` and `carecoord stop`: the whole stack as local processes, supervised.

A developer (and `make run`, the bench, the end-to-end tests) needs one command
that brings up PostgreSQL and Kafka, the four service APIs and their workers with
the same environment variables the containers get, waits until every service says
it is ready, loads the demo data and says where everything is, and then keeps it
all up: whatever exits or goes down afterwards is started again by the
`supervisor` (with backoff, reported with `!!` lines, recorded for `carecoord
status`); and one command that takes it all down again without leaving a process
behind. Each child runs in its own process group with its output in
`.run/logs/<name>.log` and carries a marker variable naming this checkout, so `stop`
can find and end children even when the supervisor was killed. The supervisor's pid
is in `.run/stack.pid`; `--detach` runs the same supervisor in the background and
returns once it is ready. Ports follow the services' own variables (`REFERRALS_PORT`,
`REFERRALS_WORKER_PORT`, ...), so a second checkout can run beside this one. What
the stack consists of is in `stack_services`, how children are started and ended in
`stack_processes`; this module runs the whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import httpx

from carecoord_devstack import demo, infra, kafka, postgres
from carecoord_devstack.paths import (
    DevstackError,
    pid_alive,
    port_open,
    run_dir,
    tail,
)
from carecoord_devstack.stack_processes import Child, end, launch, stray_processes
from carecoord_devstack.stack_services import (
    SERVICES,
    Service,
    base_urls,
    children,
    environment,
    is_worker,
    oidc_port,
    replica_env,
    replicas,
)
from carecoord_devstack.supervisor import STATE_FILE, Supervisor

__all__ = ["SERVICES", "Service", "base_urls", "run", "run_detached", "stop"]

Echo = Callable[[str], None]
READY_TIMEOUT = 60.0
SUPERVISOR_STOP_TIMEOUT = 60.0
INFRA_SETTLE_TIMEOUT = 20.0  # at shutdown: how long an infrastructure restart may finish
PID_FILE = "stack.pid"  # under .run/: the supervisor's pid
READY_FILE = "stack.ready"  # under .run/: written once all is up and printed


def _wait_ready(started: list[Child], timeout: float, echo: Echo) -> None:
    """Poll every /readyz until 200; fail fast, with the log tail, when a child exits."""
    began = time.monotonic()
    by_name = {child.name: child for child in started}
    urls = {r.name: r.url for r in replicas(worker=False)}
    pending = {child.name: urls[child.name] for child in started if child.name in urls}
    answers: dict[str, str] = {}
    with httpx.Client(timeout=2.0) as client:
        while pending:
            for child in started:
                if child.exit_code() is not None:
                    raise DevstackError(child.obituary("during start-up"))
            for name, url in list(pending.items()):
                try:
                    answer = client.get(f"{url}/readyz")
                    answers[name] = f"{answer.status_code} {answer.text[:200]}"
                except httpx.HTTPError as error:
                    answers[name] = f"no answer ({type(error).__name__})"
                    continue
                if answer.status_code == 200:
                    del pending[name]
                    took = time.monotonic() - began
                    echo(f"  {name:<11} ready at {url} [{took:.1f} s]")
            if pending and time.monotonic() - began > timeout:
                name = next(iter(pending))
                raise DevstackError(
                    f"{', '.join(pending)} not ready after {timeout:.0f} s; last /readyz of "
                    f"{name}: {answers[name]}; {by_name[name].log} ends:\n"
                    + tail(by_name[name].log, 20)
                )
            time.sleep(0.2)


def _describe(echo: Echo, ready: float, began: float) -> None:
    took = time.monotonic() - began
    echo(f"\nCareCoord is running (services ready after {ready:.1f} s, all done in {took:.1f} s).")
    portal = SERVICES[0].base_url
    echo(f"  {'staff':<11} {portal}/  (sign in as a demo user; patients: {portal}/start)")
    echo(f"  {'sign-in':<11} http://127.0.0.1:{oidc_port()}/.well-known/openid-configuration")
    for service in SERVICES:
        base = service.base_url
        echo(f"  {service.name:<11} {base}/fhir  {base}/fhir/metadata  {base}/docs  {base}/metrics")
    echo(f"  {'postgres':<11} {postgres.postgres_url('<service database>')}")
    echo(f"  {'kafka':<11} {kafka.kafka_bootstrap()}")
    echo(f"  {'logs':<11} {run_dir('logs')}/<name>.log")
    demo.describe_users(echo)
    echo("Stop: Ctrl-C where `carecoord run` runs in the foreground, or `carecoord stop`.")


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _running_supervisor() -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int(run_dir(PID_FILE).read_text().split()[0])
        mine = pid != os.getpid() and pid_alive(pid)
        if mine and b"carecoord" in Path(f"/proc/{pid}/cmdline").read_bytes():
            return pid
    return None


def _preflight(echo: Echo) -> None:
    other = _running_supervisor()
    if other:
        raise DevstackError(f"the stack already runs (supervisor pid {other}); `carecoord stop`")
    strays = stray_processes()
    if strays:
        echo(f"Ending {len(strays)} processes left by an earlier run: {strays}")
        end(strays)
    for replica in replicas(worker=False) + replicas(worker=True):
        if port_open(replica.port):
            raise DevstackError(
                f"port {replica.port} ({replica.variable}) is taken by another program; "
                f"stop it or set {replica.variable}"
            )


def _start(supervisor: Supervisor, timeout: float, load_demo: bool, echo: Echo) -> float:
    """Start the APIs, wait until they are ready, start the workers and load the demo data;
    returns how long the APIs took to be ready. With replicas, the first API of every
    service goes first and the others once those are ready (start-up is CPU-bound)."""
    began = time.monotonic()
    started, overrides = children(echo), replica_env()
    # APIs first: start-up is CPU-bound imports, and the workers need migrated databases.
    apis = [c for c in started if not is_worker(c.name) and c.name not in overrides]
    more = [c for c in started if not is_worker(c.name) and c.name in overrides]
    workers = [c for c in started if is_worker(c.name)]
    echo(f"Starting {len(apis)} service APIs (logs in {run_dir('logs')})...")
    for wave in (apis, more):
        for child in wave:
            supervisor.start(child, "api", overrides.get(child.name))
        _wait_ready(wave, timeout, echo)
    took = time.monotonic() - began
    echo(f"Starting {len(workers)} workers...")
    for child in workers:
        supervisor.start(child, "worker", overrides.get(child.name))
    if load_demo and not demo.load(base_urls(), echo):
        echo("The stack is up, but some demo data was refused (see above).")
    return took


def run(*, timeout: float = READY_TIMEOUT, load_demo: bool = True, echo: Echo = print) -> int:
    """The foreground supervisor: start all, wait ready, load demo data, supervise (restart
    what exits), stop all on Ctrl-C or SIGTERM."""
    began = time.monotonic()
    _preflight(echo)
    run_dir().mkdir(parents=True, exist_ok=True)
    run_dir(PID_FILE).write_text(f"{os.getpid()}\n")
    supervisor: Supervisor | None = None
    failed = False
    # SIGINT explicitly too: a shell starts background jobs with SIGINT ignored.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if not infra.up(echo):
            raise DevstackError("the infrastructure did not start (see above)")
        supervisor = Supervisor(
            environment(), components=infra.COMPONENTS, state_file=run_dir(STATE_FILE), echo=echo
        )
        took = _start(supervisor, timeout, load_demo, echo)
        _describe(echo, took, began)
        run_dir(READY_FILE).write_text(f"{os.getpid()}\n")
        supervisor.run_forever()
    except KeyboardInterrupt:
        echo("\nStopping...")
    except DevstackError as error:
        echo(f"carecoord: {error}\nStopping what was started...")
        failed = True
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):  # a second signal must not strand children
            signal.signal(sig, signal.SIG_IGN)
        _shutdown(supervisor, echo)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 1 if failed else 0


def _shutdown(supervisor: Supervisor | None, echo: Echo) -> None:
    settled = supervisor.close(INFRA_SETTLE_TIMEOUT) if supervisor else True
    processes = supervisor.processes() if supervisor else []
    pids = [process.pid for process in processes if process.poll() is None]
    pids += [pid for pid in stray_processes() if pid not in pids]  # e.g. a half-done spawn
    killed = end(pids)
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)  # reap
    echo(f"  services  stopped {len(pids)} processes" + (f", killed {killed}" if killed else ""))
    infra.down(echo)
    if supervisor and not settled and supervisor.close(SUPERVISOR_STOP_TIMEOUT):
        infra.down(echo)  # a restart that was in flight may have started something again
    for name in (READY_FILE, PID_FILE, STATE_FILE):
        with contextlib.suppress(OSError, IndexError, KeyError, TypeError, ValueError):
            if _owner(run_dir(name)) == os.getpid():
                run_dir(name).unlink()


def _owner(path: Path) -> int:
    """The supervisor pid a file under .run/ was written by (its first word, or the
    state file's `supervisor_pid`)."""
    text = path.read_text()
    if path.name == STATE_FILE:
        return int(json.loads(text)["supervisor_pid"])
    return int(text.split()[0])


def run_detached(
    *, timeout: float = READY_TIMEOUT, load_demo: bool = True, echo: Echo = print
) -> int:
    """Run the supervisor in the background, show its output until it is ready, return."""
    _preflight(echo)
    log = run_dir("logs", "stack.log")
    command = [sys.executable, "-m", "carecoord_devstack.cli", "run", "--timeout", str(timeout)]
    command += [] if load_demo else ["--no-demo"]
    supervisor = launch(command, log, dict(os.environ, PYTHONUNBUFFERED="1"))
    echo(f"Supervisor started in the background (pid {supervisor.pid}, output in {log})")
    shown, ready = 0, run_dir(READY_FILE)
    try:
        while True:
            done = ready.exists() and ready.read_text().strip() == str(supervisor.pid)
            ended = supervisor.poll() is not None
            text = log.read_bytes()
            sys.stdout.write(text[shown:].decode(errors="replace"))
            sys.stdout.flush()
            shown = len(text)
            if done or ended:
                return 0 if done else 1
            time.sleep(0.2)
    except KeyboardInterrupt:
        echo("\nInterrupted: stopping the background stack...")
        stop(echo)
        return 130


def stop(echo: Echo = print) -> bool:
    """Stop a running supervisor (so its children and the infrastructure), then make sure:
    end any process a run of this checkout left behind and take the infrastructure down."""
    supervisor = _running_supervisor()
    if supervisor:
        echo(f"Stopping the stack supervisor (pid {supervisor})...")
        os.kill(supervisor, signal.SIGTERM)
        deadline = time.monotonic() + SUPERVISOR_STOP_TIMEOUT
        while pid_alive(supervisor) and time.monotonic() < deadline:
            time.sleep(0.2)
        if pid_alive(supervisor):
            echo(f"  no exit after {SUPERVISOR_STOP_TIMEOUT:.0f} s: killing the supervisor")
            os.kill(supervisor, signal.SIGKILL)
        else:
            echo("  it stopped its services and the infrastructure; checking for leftovers")
    strays = stray_processes()
    if strays:
        echo(f"Ending {len(strays)} leftover service processes: {strays}")
        end(strays)
    ok = infra.down(echo)
    for name in (READY_FILE, PID_FILE, STATE_FILE):
        run_dir(name).unlink(missing_ok=True)
    return ok
