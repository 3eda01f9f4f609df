"""Migrations in a child process (issue 16: memory): an API and a worker migrate at start
as before, a failure stops the start-up with the child's error, and alembic is never
loaded in the long-lived process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from carecoord_devstack.testing import drop_topic, engine_on, new_run, serving
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.migration_process import (
    IN_PROCESS,
    MigrationFailed,
    migrate_at_start,
    migrate_in_child,
)
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.testing.loopback import free_loopback_port
from carecoord_shared.web.app import create_service_app
from carecoord_shared.worker_runtime import Worker
from shared.tests.example_service import example_settings

ROOT = Path(__file__).resolve().parents[3]
BROKEN = '''"""A service revision that cannot apply."""
from alembic import op

revision = "broken0001"
down_revision = None
branch_labels = ("broken",)
depends_on = "k0001"


def upgrade() -> None:
    op.execute("select * from table_that_is_not_there")
'''


SLOW = BROKEN.replace("select * from table_that_is_not_there", "select pg_sleep(5)")


def _versions(tmp_path: Path, revision: str) -> Path:
    folder = tmp_path / "versions"
    folder.mkdir()
    (folder / "broken0001.py").write_text(revision)
    return folder


@pytest.fixture(autouse=True)
def as_deployed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start as deployed: the suite's switch to migrate in process is off here (and in
    the processes these tests start, which inherit this environment)."""
    monkeypatch.delenv(IN_PROCESS, raising=False)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    return _versions(tmp_path, BROKEN)


async def _tables(url: str) -> set[str]:
    async with engine_on(url) as engine, engine.connect() as conn:
        rows = await conn.execute(text("select tablename from pg_tables where schemaname='public'"))
        return {row[0] for row in rows}


def _probe(**args: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared.tests.migration_probe", json.dumps(args)],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=180,
    )


def _seen(ended: subprocess.CompletedProcess[str]) -> Any:
    """The probe's answer: its last line (log lines may come before it)."""
    return json.loads(ended.stdout.strip().splitlines()[-1])


async def test_the_child_migrates_a_fresh_database_and_again_is_a_no_op(
    fresh_database_url: str,
) -> None:
    await migrate_in_child(fresh_database_url)
    assert {"alembic_version", "outbox", "inbox", "resource"} <= await _tables(fresh_database_url)
    await migrate_in_child(fresh_database_url)  # already at the heads


async def test_a_failing_migration_stops_the_api_start_with_the_childs_error(
    fresh_database_url: str, broken: Path, tmp_path: Path
) -> None:
    settings = example_settings(fresh_database_url, DevIssuer(tmp_path / "issuer"))
    app = create_service_app(settings, FhirRegistry("example"), title="x", migrations=broken)
    with pytest.raises(MigrationFailed, match=r"ProgrammingError: .*table_that_is_not_there"):
        async with serving(app, "http://x"):
            pytest.fail("the app started on a database its migration did not reach")
    assert "alembic_version" not in await _tables(fresh_database_url)  # all rolled back


async def test_a_failing_migration_stops_the_worker_before_it_starts(
    fresh_database_url: str, broken: Path, tmp_path: Path
) -> None:
    settings = example_settings(
        fresh_database_url, DevIssuer(tmp_path / "issuer"), kafka_bootstrap_servers="127.0.0.1:1"
    )
    worker = Worker(settings, "test.migration.never", migrations=broken)
    with pytest.raises(MigrationFailed, match="table_that_is_not_there"):
        await worker.run()
    assert not worker.started.is_set()


async def _sleeping_backends(url: str) -> int:
    async with engine_on(url) as engine, engine.connect() as conn:
        found = await conn.scalar(
            text("select count(*) from pg_stat_activity where query = 'select pg_sleep(5)'")
        )
        return int(found or 0)


def _migration_children() -> list[int]:
    """Our own live migration child processes."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        mine = int(fields[1]) == os.getpid() and fields[0] != "Z"
        if mine and b"carecoord_shared.migration_process" in command:
            found.append(int(stat.parent.name))
    return found


async def test_a_start_stopped_mid_migration_kills_the_child_and_keeps_nothing(
    fresh_database_url: str, tmp_path: Path
) -> None:
    task = asyncio.create_task(migrate_in_child(fresh_database_url, _versions(tmp_path, SLOW)))
    for _ in range(300):
        if await _sleeping_backends(fresh_database_url):
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the slow revision never started")
    assert _migration_children()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _migration_children() == []  # killed and reaped, not left running
    for _ in range(150):  # PostgreSQL ends the session after the statement: rolled back
        if not await _sleeping_backends(fresh_database_url):
            break
        await asyncio.sleep(0.1)
    assert await _sleeping_backends(fresh_database_url) == 0
    assert "alembic_version" not in await _tables(fresh_database_url)


async def test_the_suites_switch_migrates_in_this_process(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(IN_PROCESS, "1")
    spawned: list[object] = []

    async def no_child(*args: object, **kwargs: object) -> None:
        spawned.append(args)
        raise AssertionError("a child was started")

    monkeypatch.setattr(asyncio, "create_subprocess_exec", no_child)
    await migrate_at_start(fresh_database_url)
    assert spawned == []
    assert "outbox" in await _tables(fresh_database_url)


async def test_an_unreachable_database_is_named_in_the_failure(infrastructure: None) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_loopback_port()}/nothing"
    with pytest.raises(MigrationFailed, match=r"^migration failed: .*(Connect|OSError|refused)"):
        await migrate_in_child(url)


def test_a_served_api_whose_migration_fails_exits_saying_why(
    fresh_database_url: str, broken: Path, tmp_path: Path
) -> None:
    port = free_loopback_port()
    ended = _probe(
        mode="serve",
        database_url=fresh_database_url,
        issuer_dir=str(tmp_path / "issuer"),
        kafka="127.0.0.1:1",
        migrations=str(broken),
        port=port,
    )
    assert ended.returncode == 3  # uvicorn: the application's start-up failed
    assert "migration failed: ProgrammingError" in ended.stderr
    assert "table_that_is_not_there" in ended.stderr
    assert "Application startup failed" in ended.stderr


def test_a_started_api_is_migrated_ready_and_never_loaded_alembic(
    fresh_database_url: str, tmp_path: Path
) -> None:
    ended = _probe(
        mode="api",
        database_url=fresh_database_url,
        issuer_dir=str(tmp_path / "issuer"),
        kafka="127.0.0.1:1",
        migrations=None,
    )
    assert ended.returncode == 0, ended.stderr
    assert _seen(ended) == {"ready": 200, "alembic": False, "mako": False}


async def test_a_started_worker_is_migrated_and_never_loaded_alembic(
    fresh_database_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    topic = f"test.migration.{new_run()}"
    try:
        ended = _probe(
            mode="worker",
            database_url=fresh_database_url,
            issuer_dir=str(tmp_path / "issuer"),
            kafka=kafka_bootstrap,
            migrations=None,
            topic=topic,
        )
    finally:
        await drop_topic(kafka_bootstrap, topic)
    assert ended.returncode == 0, ended.stderr
    assert _seen(ended) == {"started": True, "alembic": False, "mako": False}
    assert "outbox" in await _tables(fresh_database_url)
