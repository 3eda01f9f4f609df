"""A real single-node Apache Kafka 4 broker (KRaft) for developer machines and CI.

The services talk to each other only through Kafka, so tests and local runs use
the real broker, not a fake. Its jars come from Maven (deploy/kafka/pom.xml,
copied once into `<repo>/.run/kafka/libs` and again only when the pom changes);
the machine's Java 17 runs `kafka.Kafka` as one combined broker+controller node
with storage, config, logs and pid file under the git-ignored `<repo>/.run/kafka/`.
Start waits for a real metadata answer through aiokafka; stop ends the broker's
whole process group. Both are idempotent. `kafka_bootstrap()` is the address.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import hashlib
import logging
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaClient

from carecoord_devstack.paths import (
    DevstackError,
    env_port,
    find_processes,
    pid_alive,
    port_open,
    repo_root,
    run_dir,
    tail,
)

# Bounded heap for a 2-core dev box; Log4j must outlive the JVM's shutdown hooks,
# or the broker's controlled shutdown goes unlogged.
JVM_OPTIONS = ("-Xms256m", "-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true")
LOG_OPTIONS = ("-Dlog4j2.shutdownHookEnabled=false",)
SERVER_PROPERTIES = """\
# Written by carecoord_devstack.kafka on every start: edits here are lost.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{controller}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs={data}
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
"""
LOG4J2_PROPERTIES = """\
status = warn
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
"""
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0


def kafka_port() -> int:
    return env_port("CARECOORD_KAFKA_PORT", 9092)


def kafka_bootstrap() -> str:
    """The bootstrap address of the local broker."""
    return f"127.0.0.1:{kafka_port()}"


def home() -> Path:
    return run_dir("kafka")


def _config() -> Path:
    return home() / "server.properties"


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).is_file():
        raise DevstackError("Java 17+ is needed for Kafka: put `java` on PATH or set JAVA_HOME")
    return java


def ensure_libs() -> bool:
    """Copy the broker's jars with Maven unless the pom is unchanged since last time."""
    pom = repo_root() / "deploy" / "kafka" / "pom.xml"
    if not pom.is_file():
        raise DevstackError(f"{pom} is missing")
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    libs = home() / "libs"
    stamp = libs / ".pom-sha256"
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return False
    mvn = shutil.which("mvn")
    if not mvn:
        raise DevstackError("Maven (`mvn`) is needed once to fetch the Kafka jars")
    partial = home() / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    cmd = [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(pom)]
    cmd += ["dependency:copy-dependencies", f"-DoutputDirectory={partial}"]
    done = subprocess.run(
        [*cmd, "-DincludeScope=runtime"], capture_output=True, text=True, check=False, timeout=1800
    )
    if done.returncode:
        raise DevstackError(f"Maven could not fetch the Kafka jars:\n{done.stdout[-3000:]}")
    (partial / ".pom-sha256").write_text(digest + "\n")
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)
    return True


def _write_config(port: int) -> Path:
    """(Re)write server.properties and the log4j2 config; storage is per port."""
    data = home() / "data" / str(port)
    _config().write_text(SERVER_PROPERTIES.format(port=port, controller=port + 1, data=data))
    (home() / "log4j2.properties").write_text(LOG4J2_PROPERTIES)
    return data


def _java_command(main: str, *args: str) -> list[str]:
    props = [f"-Dkafka.logs.dir={home() / 'logs'}"]
    props += [f"-Dlog4j2.configurationFile={home() / 'log4j2.properties'}"]
    classpath = str(home() / "libs" / "*")
    return [_java(), *JVM_OPTIONS, *LOG_OPTIONS, *props, "-cp", classpath, main, *args]


def _format_storage(data: Path) -> None:
    if (data / "meta.properties").exists():
        return
    cluster_id = "-"
    while cluster_id.startswith("-"):  # as Kafka's own Uuid: never looks like an option
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    cmd = _java_command("kafka.tools.StorageTool", "format", "--standalone", "-t", cluster_id)
    done = subprocess.run(
        [*cmd, "-c", str(_config())], capture_output=True, text=True, check=False, timeout=120
    )
    if done.returncode:
        raise DevstackError(f"Kafka storage format failed:\n{done.stdout}{done.stderr}")


def broker_pids() -> list[int]:
    """Live brokers started with this checkout's config (even if kafka.pid was lost)."""
    return find_processes("kafka.Kafka", str(_config()))


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


def wait_ready(pid: int, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            logs = home() / "logs"
            console, server = tail(logs / "console.log"), tail(logs / "server.log", 10)
            raise DevstackError(f"Kafka exited during start-up; see {logs}:\n{console}\n{server}")
        if _run_async(metadata_ok(kafka_bootstrap())):
            return
        time.sleep(0.3)
    raise DevstackError(f"Kafka did not answer within {timeout:.0f} s; see {home() / 'logs'}")


def start() -> str:
    """Fetch jars if needed, format storage once, launch detached and wait until ready."""
    port = kafka_port()
    pids = broker_pids()
    if pids:
        running = re.search(
            r"^advertised\.listeners=PLAINTEXT://[^:]+:(\d+)$", _config().read_text(), re.M
        )
        if running and running[1] != str(port):
            raise DevstackError(f"Kafka already runs on port {running[1]}; stop it first")
        wait_ready(pids[0])
        return f"already running at {kafka_bootstrap()}"
    for taken in (port, port + 1):
        if port_open(taken):
            raise DevstackError(
                f"port {taken} is taken by another program; set CARECOORD_KAFKA_PORT"
            )
    (home() / "logs").mkdir(parents=True, exist_ok=True)
    fetched = ensure_libs()
    data = _write_config(port)
    _format_storage(data)
    with (home() / "logs" / "console.log").open("ab") as console:
        broker = subprocess.Popen(
            _java_command("kafka.Kafka", str(_config())),
            cwd=home(),
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends it all
        )
    (home() / "kafka.pid").write_text(f"{broker.pid}\n")
    try:
        wait_ready(broker.pid)
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
