"""Fixtures for the vendor tests: each service served over HTTP once per test process,
started the first time a test needs it (a fresh database and migrations each)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import pytest

from carecoord_shared.security.dev_issuer import DevIssuer
from tests.vendor.live import Live, serving


@dataclass(slots=True)
class Services:
    exits: AsyncExitStack
    issuer: DevIssuer
    kafka: str
    started: dict[str, Live] = field(default_factory=dict)

    async def get(self, service: str) -> Live:
        if service not in self.started:
            context = serving(service, self.issuer, self.kafka)
            self.started[service] = await self.exits.enter_async_context(context)
        return self.started[service]


@pytest.fixture(scope="session")
async def services(
    tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str
) -> AsyncIterator[Services]:
    issuer = DevIssuer(tmp_path_factory.mktemp("vendor-issuer"))
    async with AsyncExitStack() as exits:
        yield Services(exits, issuer, kafka_bootstrap)
