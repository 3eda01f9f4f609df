"""Test fixtures for the real PostgreSQL and Kafka that every integration test uses.

The session starts the project's own infrastructure (`carecoord infra up`, which is
idempotent), unless `KAFKA_BOOTSTRAP_SERVERS` and `CARECOORD_TEST_DATABASE_URL` point at
servers started elsewhere (CI in containers, say). Each test module that asks for a
database gets a fresh, migrated one, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from carecoord_devstack.testing import create_fresh_database, drop_fresh_databases
from carecoord_shared.migration_process import IN_PROCESS

ROOT = Path(__file__).parent

# Apps and workers started by tests migrate their fresh databases in process: a child
# process each (as deployed, to keep alembic out of long-lived processes) would add 1-2 s
# to every one of hundreds of starts. test_migration_process covers the child path.
os.environ[IN_PROCESS] = "1"

# Records the FHIR resources the suite's journeys produce (when CARECOORD_FHIR_SAMPLES
# names a folder), for the independent validator that `make test` runs after pytest.
pytest_plugins = ["carecoord_devstack.fhir_samples"]


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[None]:
    if os.environ.get("CARECOORD_TEST_DATABASE_URL") and os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield
        return
    subprocess.run(
        [str(Path(sys.executable).parent / "carecoord"), "infra", "up"], check=True, cwd=ROOT
    )
    yield
    drop_fresh_databases()  # a killed run's are pruned by the next `infra up`


@pytest.fixture(scope="session")
def kafka_bootstrap(infrastructure: None) -> str:
    from_env = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if from_env:
        return from_env
    from carecoord_devstack.kafka import kafka_bootstrap as bootstrap

    return bootstrap()


@pytest.fixture
async def fresh_database_url(infrastructure: None) -> str:
    """A new, empty (unmigrated) database for one test."""
    return await create_fresh_database("db")
