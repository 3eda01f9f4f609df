"""The files a local Kafka broker runs from: jars, configuration, formatted storage.

`kafka` starts, watches and stops the broker; what it needs on disk before it can
start (the jars Maven copies once into `<repo>/.run/kafka/libs`, `server.properties`
and the log4j2 configuration written on every start, the KRaft storage formatted
once per port) and the `java` command line are prepared here, apart from the
process handling, so each module stays small enough to read in one sitting.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from carecoord_devstack.paths import DevstackError, repo_root, run_dir

__all__ = [
    "config",
    "ensure_libs",
    "format_storage",
    "home",
    "java_command",
    "write_config",
]

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


def home() -> Path:
    return run_dir("kafka")


def config() -> Path:
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


def write_config(port: int) -> Path:
    """(Re)write server.properties and the log4j2 config; storage is per port."""
    data = home() / "data" / str(port)
    config().write_text(SERVER_PROPERTIES.format(port=port, controller=port + 1, data=data))
    (home() / "log4j2.properties").write_text(LOG4J2_PROPERTIES)
    return data


def java_command(main: str, *args: str) -> list[str]:
    props = [f"-Dkafka.logs.dir={home() / 'logs'}"]
    props += [f"-Dlog4j2.configurationFile={home() / 'log4j2.properties'}"]
    classpath = str(home() / "libs" / "*")
    return [_java(), *JVM_OPTIONS, *LOG_OPTIONS, *props, "-cp", classpath, main, *args]


def format_storage(data: Path) -> None:
    if (data / "meta.properties").exists():
        return
    cluster_id = "-"
    while cluster_id.startswith("-"):  # as Kafka's own Uuid: never looks like an option
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    cmd = java_command("kafka.tools.StorageTool", "format", "--standalone", "-t", cluster_id)
    done = subprocess.run(
        [*cmd, "-c", str(config())], capture_output=True, text=True, check=False, timeout=120
    )
    if done.returncode:
        raise DevstackError(f"Kafka storage format failed:\n{done.stdout}{done.stderr}")
