"""A real single-node Apache Kafka 4 broker (KRaft) for developer machines and CI.

The services talk to each other only through Kafka, so tests and local runs use
the real broker, not a fake. Its jars come from Maven (deploy/kafka/pom.xml,
copied once into `<repo>/.run/kafka/libs` and again only when the pom changes);
the machine's Java 17 runs `kafka.Kafka` as one combined broker+controller node
with storage, config, logs and pid file under the git-ignored `<repo>/.run/kafka/`
(prepared by `kafka_setup`). Start waits for a real metadata answer through
aiokafka, and after an unclean shutdown for the broker's log recovery to finish
(`kafka_recovery`): a broker that is still recovering is never stopped. Stop ends
the broker's whole process group. Both are idempotent. `kafka_bootstrap()` is the
address.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiokafka import AIOKafkaClient

from carecoord_devstack.kafka_recovery import (
    LogFollower,
    RecoveryWatch,
    Verdict,
    WaitLimits,
    verdict,
)
from carecoord_devstack.kafka_setup import (
    config,
    ensure_libs,
    format_storage,
    home,
    java_command,
    write_config,
)
from carecoord_devstack.paths import (
    DevstackError,
    env_port,
    find_processes,
    pid_alive,
    port_open,
    refuse_ephemeral,
    tail,
)

__all__ = [
    "KafkaStillRecovering",
    "broker_pids",
    "is_running",
    "kafka_bootstrap",
    "kafka_port",
    "start",
    "stop",
    "wait_ready",
]

Echo = Callable[[str], None]
LIMITS = WaitLimits()  # 90 s to answer unless recovering; recovering, up to 10 minutes
PROGRESS_EVERY = 15.0  # seconds between progress lines while the broker recovers
STOP_TIMEOUT = 30.0


class KafkaStillRecovering(DevstackError):
    """The broker was still recovering its logs when the wait ran out; it is left running."""


def kafka_port() -> int:
    """The broker's port; the controller listens on the next one, so both must stay
    outside the ephemeral range."""
    port = env_port("CARECOORD_KAFKA_PORT", 9092)
    refuse_ephemeral("CARECOORD_KAFKA_PORT (plus one, the controller's port)", port + 1)
    return port


def kafka_bootstrap() -> str:
    """The bootstrap address of the local broker."""
    return f"127.0.0.1:{kafka_port()}"


def broker_pids() -> list[int]:
    """Live brokers started with this checkout's config (even if kafka.pid was lost)."""
    return find_processes("kafka.Kafka", str(config()))


def is_running() -> bool:
    return bool(broker_pids())


async def metadata_ok(bootstrap: str) -> bool:
    """True when the broker answers a metadata request and lists itself."""
    host, _, port = bootstrap.rpartition(":")
    if not port_open(int(port), host):
        return False
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    noisy = logging.getLogger("aiokafka")
    level = noisy.level
    noisy.setLevel(logging.CRITICAL)  # failed attempts are expected while it starts
    try:
        await client.bootstrap()
        return bool(client.cluster.brokers())
    except Exception:  # any failure just means "not ready yet"
        return False
    finally:
        await client.close()
        noisy.setLevel(level)


def _run_async(coro: Coroutine[Any, Any, bool]) -> bool:
    """asyncio.run, also from code that already runs inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _died(pid: int) -> DevstackError:
    logs = home() / "logs"
    console, server = tail(logs / "console.log"), tail(logs / "server.log", 10)
    return DevstackError(
        f"Kafka (pid {pid}) exited during start-up; see {logs}:\n{console}\n{server}"
    )


def wait_ready(pid: int, limits: WaitLimits | None = None, echo: Echo = print) -> None:
    """Wait until the broker answers. While its log shows recovery progress, keep waiting
    (up to `limits.overall`) with a progress line now and then; give up at once if it
    dies. Raises KafkaStillRecovering at the overall limit if it is still recovering,
    DevstackError if it is alive but neither answers nor recovers."""
    limits = limits or LIMITS
    began = shown = time.monotonic()
    follower, watch = LogFollower(home() / "logs" / "server.log"), RecoveryWatch()
    while True:
        if _run_async(metadata_ok(kafka_bootstrap())):
            if watch.recovering:
                echo(f"  kafka     recovery done after {time.monotonic() - began:.0f} s")
            return
        now = time.monotonic()
        watch.feed(follower.new_lines(), now)
        decision = verdict(
            elapsed=now - began, alive=pid_alive(pid), progress_age=watch.age(now), limits=limits
        )
        if decision is Verdict.DIED:
            raise _died(pid)
        if decision is Verdict.TOO_LONG:
            raise KafkaStillRecovering(
                f"Kafka (pid {pid}) is still recovering after {now - began:.0f} s "
                f"({watch.summary()}); it is left running: `carecoord infra up` waits again"
            )
        if decision is Verdict.STUCK:
            raise DevstackError(
                f"Kafka (pid {pid}) did not answer within {now - began:.0f} s and its log shows "
                f"no recovery in progress; see {home() / 'logs'}"
            )
        if watch.last_progress is not None and now - shown >= PROGRESS_EVERY:
            shown = now
            echo(f"  kafka     still starting after {now - began:.0f} s: {watch.summary()}")
        time.sleep(0.3)


def start(echo: Echo = print) -> str:
    """Fetch jars if needed, format storage once, launch detached and wait until ready.
    A broker of this checkout that already runs (perhaps still recovering) is waited for,
    never started twice."""
    port = kafka_port()
    pids = broker_pids()
    if pids:
        running = re.search(
            r"^advertised\.listeners=PLAINTEXT://[^:]+:(\d+)$", config().read_text(), re.M
        )
        if running and running[1] != str(port):
            raise DevstackError(f"Kafka already runs on port {running[1]}; stop it first")
        wait_ready(pids[0], echo=echo)
        return f"already running at {kafka_bootstrap()}"
    for taken in (port, port + 1):
        if port_open(taken):
            raise DevstackError(
                f"port {taken} is taken by another program; set CARECOORD_KAFKA_PORT"
            )
    (home() / "logs").mkdir(parents=True, exist_ok=True)
    fetched = ensure_libs()
    format_storage(write_config(port))
    with (home() / "logs" / "console.log").open("ab") as console:
        broker = subprocess.Popen(
            java_command("kafka.Kafka", str(config())),
            cwd=home(),
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends it all
        )
    (home() / "kafka.pid").write_text(f"{broker.pid}\n")
    try:
        wait_ready(broker.pid, echo=echo)
    except KafkaStillRecovering:
        raise  # never stop a broker that is still recovering
    except DevstackError:
        stop()
        raise
    note = " (jars fetched with Maven)" if fetched else ""
    return f"started at {kafka_bootstrap()}{note}"


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        group = os.getpgid(pid)
        if group != os.getpgrp():
            os.killpg(group, sig)  # the JVM and anything it spawned
        else:
            os.kill(pid, sig)


def stop() -> str:
    """SIGTERM (controlled shutdown), then SIGKILL after STOP_TIMEOUT seconds."""
    pids = broker_pids()
    for pid in pids:
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while any(pid_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    killed = [pid for pid in pids if pid_alive(pid)]
    for pid in killed:
        _signal_group(pid, signal.SIGKILL)
    while any(pid_alive(pid) for pid in killed) and time.monotonic() < deadline + 5:
        time.sleep(0.1)
    (home() / "kafka.pid").unlink(missing_ok=True)
    if not pids:
        return "not running"
    return f"killed after {STOP_TIMEOUT:.0f} s" if killed else "stopped"
