"""Where the local stack lives on disk, and which processes run from there.

Every launcher in carecoord_devstack needs the same few answers: the repository
root (found from this file, or forced with CARECOORD_HOME), the git-ignored
`.run/` folder that holds PostgreSQL's and Kafka's data, logs and pid files,
and, when a pid file has been lost (say `.run/` was deleted while the stack was
up), which live processes were started from a given folder, and which ports may be
listened on (none inside Linux's ephemeral range, which outgoing connections draw
their source ports from). Keeping these answers in one small module means the
launchers never disagree about them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
from pathlib import Path

__all__ = [
    "DevstackError",
    "env_port",
    "ephemeral_range",
    "find_processes",
    "pid_alive",
    "port_open",
    "refuse_ephemeral",
    "repo_root",
    "run_dir",
    "tail",
]


EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
DEFAULT_EPHEMERAL_RANGE = (32768, 60999)  # Linux's default, when the file cannot be read


class DevstackError(RuntimeError):
    """A problem the developer can fix; the CLI prints its message without a traceback."""


@functools.cache
def repo_root() -> Path:
    """The CareCoord checkout: $CARECOORD_HOME, or the nearest folder above this file
    that holds both `services/` and `pyproject.toml`."""
    forced = os.environ.get("CARECOORD_HOME")
    if forced:
        return Path(forced).resolve()
    for folder in Path(__file__).resolve().parents:
        if (folder / "services").is_dir() and (folder / "pyproject.toml").is_file():
            return folder
    raise DevstackError(
        "cannot find the CareCoord repository above "
        f"{Path(__file__).resolve()}; set CARECOORD_HOME to the checkout"
    )


def run_dir(*parts: str) -> Path:
    """A folder under the git-ignored `<repo>/.run/` (not created here)."""
    return repo_root().joinpath(".run", *parts)


def ephemeral_range(source: Path = EPHEMERAL_RANGE_FILE) -> tuple[int, int]:
    """The ports Linux hands out as source ports of outgoing connections (inclusive)."""
    try:
        low, high = (int(part) for part in source.read_text().split()[:2])
    except (OSError, ValueError):
        return DEFAULT_EPHEMERAL_RANGE
    return low, high


def refuse_ephemeral(variable: str, port: int, span: tuple[int, int] | None = None) -> int:
    """`port`, unless it lies in the ephemeral range: a listener there can lose its port to
    an outgoing connection (a Kafka client was seen connected to itself on the broker's
    port), so the launcher refuses it up front, naming the variable that chose it."""
    low, high = span or ephemeral_range()
    if low <= port <= high:
        raise DevstackError(
            f"{variable} gives port {port}, inside Linux's ephemeral port range {low}-{high} "
            f"({EPHEMERAL_RANGE_FILE}), where outgoing connections take their source ports; "
            f"set {variable} to a port below {low}"
        )
    return port


def env_port(variable: str, default: int) -> int:
    """A TCP port from the environment, with a clear error for a bad value or a port in
    the ephemeral range."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return refuse_ephemeral(variable, default)
    if not raw.isdigit() or not 0 < int(raw) < 65535:
        raise DevstackError(f"{variable}={raw!r} is not a TCP port number")
    return refuse_ephemeral(variable, int(raw))


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    """True for a running (not zombie) process; reaps it first if it is our child."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state letter follows the parenthesised command name, which may hold spaces.
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X")


def find_processes(*needles: str) -> list[int]:
    """Pids of live processes whose command line contains every one of `needles`
    (used with exact paths under `.run/`, so it never matches a stranger)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if all(needle in cmdline for needle in needles) and pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} is missing)"
