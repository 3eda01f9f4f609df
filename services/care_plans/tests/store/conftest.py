"""Units of work for the repository contract tests: the fakes, and the real repositories
on a fresh, migrated PostgreSQL database. The same test runs against both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from care_plans.definition import SERVICE
from care_plans.service.context import CarePlansContext
from care_plans.settings import CarePlansSettings
from care_plans.store.tables import MIGRATIONS
from carecoord_devstack.testing import create_fresh_database
from carecoord_shared.db import create_engine, migrate_async
from carecoord_shared.fhir.unit_of_work import FhirTransaction, fhir_transaction
from services.care_plans.tests.units import WORKER, clock, fake_care_plans

Units = Callable[[], AbstractAsyncContextManager[FhirTransaction]]


@pytest.fixture(params=["in-memory", "postgresql"])
async def units(request: pytest.FixtureRequest, infrastructure: None) -> AsyncIterator[Units]:
    """Opens units of work (as the worker) that share one store."""
    if request.param == "in-memory":
        fake = fake_care_plans()

        @asynccontextmanager
        async def memory() -> AsyncIterator[FhirTransaction]:
            yield fake.acting_as(WORKER, authorised=True)

        yield memory
        return
    url = await create_fresh_database("care_plans")
    await migrate_async(url, MIGRATIONS)
    settings = CarePlansSettings(environment="test", database_url=url)
    registry = SERVICE.registry(settings, CarePlansContext(settings, clock))
    engine = create_engine(url, 2)

    def real() -> AbstractAsyncContextManager[FhirTransaction]:
        return fhir_transaction(engine, registry, WORKER, authorised=True)

    try:
        yield real
    finally:
        await engine.dispose()
