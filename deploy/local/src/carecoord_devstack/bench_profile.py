"""py-spy beside a benchmark: where the process under load spends its time.

`make bench --profile` records each benchmark's API process (the stack's API for the
HTTP figures, the script's own process for the in-process ones, with their
subprocesses) as collapsed stacks, and the table prints the top frames of each,
summarised as the catch-up measurement does (`catchup.top_frames`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from carecoord_devstack.catchup import top_frames

__all__ = ["Spy", "py_spy"]


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
        return top_frames(self.output)
