"""Fixtures for the access tests: the four services, started once on demand.

Starting a service (fresh database, migrations, seeds) is the expensive part, so each
test process starts a service the first time a test needs it and keeps it for the
matrix and the fuzz run alike (the fuzz run writes only about a patient of its own).
The matrix's size is printed at the end of the session (computed from the
registries, so it is right however the cells were spread over workers).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import pytest

from carecoord_shared.security.dev_issuer import DevIssuer
from tests.access.stack import Stack, running


@dataclass(slots=True)
class Stacks:
    exits: AsyncExitStack
    issuer: DevIssuer
    kafka: str
    started: dict[str, Stack] = field(default_factory=dict)

    async def get(self, service: str) -> Stack:
        if service not in self.started:
            context = running(service, self.issuer, self.kafka)
            self.started[service] = await self.exits.enter_async_context(context)
        return self.started[service]


@pytest.fixture(scope="session")
def access_issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("access-issuer"))


@pytest.fixture(scope="session")
async def stacks(access_issuer: DevIssuer, kafka_bootstrap: str) -> AsyncIterator[Stacks]:
    async with AsyncExitStack() as exits:
        yield Stacks(exits, access_issuer, kafka_bootstrap)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.access.test_access_matrix import size_line

    terminalreporter.write_line(f"access matrix: {size_line()}")
