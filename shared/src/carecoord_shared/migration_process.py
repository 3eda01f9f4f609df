"""Migrations in a short-lived child process, so alembic never stays in a service.

An API or a worker migrates its database once, when it starts, and never again; but
alembic (with mako and its script machinery) loaded for that stayed in every process
for good, some 11 MiB each. `migrate_in_child` runs `carecoord_shared.db.migrate` in
`python -m carecoord_shared.migration_process` instead, and waits for it: same
advisory lock (the migrations' environment takes it), same heads, and a failure stops
the start-up as before (the API never becomes ready, the worker exits), now as
`MigrationFailed` naming the child's error, with the child's traceback in the log.

The database URL (it may carry a password) goes to the child on its standard input,
never on its command line, where any local user could read it.

`migrate_at_start` is what APIs and workers call: the child, unless the environment
sets `CARECOORD_MIGRATE_IN_PROCESS=1`. The test suite does, as it starts hundreds of
short-lived apps, each on a fresh database, where a child's interpreter and imports
added 1-2 s to every start (the suite took twice as long); memory does not matter
there, and `test_migration_process` runs the child path itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import traceback
from pathlib import Path

from carecoord_shared.db import migrate, migrate_async
from carecoord_shared.logging import get_logger

__all__ = ["IN_PROCESS", "MigrationFailed", "migrate_at_start", "migrate_in_child"]

_log = get_logger(__name__)
_MODULE = "carecoord_shared.migration_process"
_SUMMARY = "migration failed: "
"""The child's last line on a failure: what went wrong, in one line."""
_LOGGED_LINES = 40
IN_PROCESS = "CARECOORD_MIGRATE_IN_PROCESS"


class MigrationFailed(RuntimeError):
    """The migration child exited without bringing the database to the newest schema."""


async def migrate_at_start(url: str, service_versions: Path | None = None) -> None:
    """Migrate as a starting API or worker does: in a child process, or in this one
    where `CARECOORD_MIGRATE_IN_PROCESS=1` (the test suite)."""
    if os.environ.get(IN_PROCESS) == "1":
        await migrate_async(url, service_versions)
    else:
        await migrate_in_child(url, service_versions)


async def migrate_in_child(url: str, service_versions: Path | None = None) -> None:
    """Bring the database to the newest kernel and service schema in a child process."""
    request = {"url": url, "versions": None if service_versions is None else str(service_versions)}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        _MODULE,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, errors = await child.communicate(json.dumps(request).encode())
    except BaseException:
        # Stopped while migrating: the child's transaction rolls back when it dies.
        if child.returncode is None:
            child.kill()
            await child.wait()
        raise
    if child.returncode != 0:
        raise _failure(child.returncode, errors.decode(errors="replace"))


def _failure(code: int | None, output: str) -> MigrationFailed:
    lines = [line for line in output.splitlines() if line.strip()]
    summary = next((line for line in reversed(lines) if line.startswith(_SUMMARY)), None)
    if summary is None:
        ended = f"was ended by signal {-code}" if code is not None and code < 0 else "crashed"
        summary = f"{_SUMMARY}the migration process {ended} (exit code {code})"
    _log.error("migration_failed", exit_code=code, output="\n".join(lines[-_LOGGED_LINES:]))
    return MigrationFailed(summary)


def main() -> int:
    """The child: read the request, migrate, say what failed if it did."""
    try:
        request = json.loads(sys.stdin.read())
        versions = request["versions"]
        migrate(request["url"], None if versions is None else Path(versions))
    except Exception as error:  # every failure is reported to the parent, which raises
        traceback.print_exc()
        first = (str(error).strip().splitlines() or [""])[0]
        print(f"{_SUMMARY}{type(error).__name__}: {first}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
