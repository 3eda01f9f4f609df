"""py-spy beside a benchmark: where the process under load spends its time.

`make bench --profile` records each benchmark's API process (the stack's API for the
HTTP figures, the script's own process for the in-process ones, with their
subprocesses) as collapsed stacks, and the table prints the top frames of each,
summarised as the catch-up measurement does (`catchup.top_frames`).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from carecoord_devstack.catchup import top_frames
from carecoord_devstack.stack_services import SERVICES

__all__ = ["Spy", "by_module", "py_spy", "summary"]

# Frames of the project's own code (the kernel, the services, the bench scripts)...
_OURS = re.compile(
    rf"\(({'|'.join(['carecoord_[a-z_]+', *(service.name for service in SERVICES)])})/"
    r"|\(bench_\w+\.py:"
)
# ...except its entry points and the middleware every request passes through.
_TRUNK = re.compile(
    r"^(<module>|cli|serve|main|run_worker|run_until_disconnected(\.\S+)?"
    r"|RequestContextMiddleware\.__call__(\.\S+)?) \("
)
_FILE = re.compile(r"\(([^/:)]+)[^)]*\)$")


def py_spy() -> str | None:
    """The py-spy next to this interpreter (the venv's), else one on PATH."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which("py-spy", path=search)


class Spy:
    """One py-spy recording of `pid` (and its children) into `output`; stops at `duration`
    seconds, when the process exits, or at `stop()`."""

    def __init__(self, pid: int, output: Path, duration: float | None = None) -> None:
        self.output = output
        spy = py_spy()
        self._process: subprocess.Popen[bytes] | None = None
        if spy is None:
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        command = [spy, "record", "--pid", str(pid), "--subprocesses", "--rate", "100"]
        command += ["--format", "raw", "--nonblocking", "--output", str(output)]
        if duration is not None:
            command += ["--duration", str(max(1, round(duration)))]
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def stop(self, wait_s: float = 30) -> list[str]:
        """Wait for (or end) the recording; the top frames, or [] without one."""
        if self._process is None:
            return []
        try:
            self._process.wait(wait_s)
        except subprocess.TimeoutExpired:
            self._process.send_signal(signal.SIGINT)  # py-spy writes what it has
            self._process.wait(30)
        if not self.output.exists() or not self.output.stat().st_size:
            return []
        return summary(self.output)


def by_module(collapsed: Path) -> list[tuple[str, float]]:
    """Share of samples by the top-level module of the innermost frame (`asyncpg`,
    `sqlalchemy`, `referrals`...), largest first."""
    leaves: Counter[str] = Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        leaf = stack.rsplit(";", 1)[-1]
        found = _FILE.search(leaf)
        module = found[1].removesuffix(".py") if found and ";" in stack else "(no Python frame)"
        leaves[module] += int(samples)
    total = sum(leaves.values()) or 1
    return [(module, 100 * n / total) for module, n in leaves.most_common()]


def summary(collapsed: Path, count: int = 15) -> list[str]:
    """The modules the time is spent in, then the heaviest frames of the project's own
    code below its entry points (inclusive, as `catchup.top_frames` counts them)."""
    modules = ", ".join(f"{m} {share:.0f}%" for m, share in by_module(collapsed)[:10])
    frames = [
        line
        for line in top_frames(collapsed, 1000)
        if _OURS.search(line) and not _TRUNK.match(line[8:])
    ]
    return [f"innermost frame by module: {modules}", *frames[:count]]
