"""A service served over real HTTP for the vendor tests, and the two vendor clients on it.

The service is built as the access matrix builds it (`tests.access.stack`: its own
`create_app` on a fresh database with the real Kafka, patients registered through its
own registration consumer), but its settings name the address it really listens on,
so the absolute `next` links it writes lead back to it, and uvicorn serves it on a
loopback port below 32768 in the test's event loop. fhirpy (aiohttp) talks to it from
that loop; fhirclient (requests, blocking) from a worker thread (`blocking`).
"""

from __future__ import annotations

import asyncio
import importlib
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import uvicorn
from fhirclient.server import FHIRServer  # type: ignore[import-untyped]
from fhirpy import AsyncFHIRClient

from carecoord_devstack.testing import create_fresh_database, new_nhs_number
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import Role
from carecoord_shared.testing.loopback import bound_loopback_socket
from tests.access.bodies import P1
from tests.access.stack import Stack, settings_for

T = TypeVar("T")


def bound_socket() -> socket.socket:
    """A socket on a free loopback port of the tests' band, kept bound so nobody takes
    the port between choosing it and serving on it."""
    return bound_loopback_socket()


class _Server(uvicorn.Server):
    """uvicorn serving inside the test session, which keeps its own signal handling
    (Ctrl-C stops pytest rather than only the server)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass(slots=True)
class Live:
    stack: Stack
    """The access matrix's handle on the service (registration, engine, registry)."""
    base: str
    """The FHIR base the service publishes and listens on, `http://127.0.0.1:<port>/fhir`."""

    def token(self, role: Role, organisation: str | None = P1, **claims: Any) -> str:
        return self.stack.issuer.mint(role, organisation=organisation, **claims)

    def fhirpy(self, token: str, **headers: str) -> AsyncFHIRClient:
        """fhirpy as a vendor builds it; `headers` go on every request it sends."""
        return AsyncFHIRClient(self.base, authorization=f"Bearer {token}", extra_headers=headers)

    def fhirclient(self, token: str) -> FHIRServer:
        """fhirclient's server object; it has no token store of its own for a bearer
        token obtained elsewhere, so the token goes on its requests session."""
        server = FHIRServer(None, base_uri=self.base)
        server.session.headers["Authorization"] = f"Bearer {token}"
        return server

    async def patient(self, practice: str = P1) -> str:
        """A new patient registered at `practice` (the service's own consumer)."""
        nhs = new_nhs_number()
        await self.stack.register(nhs, practice)
        return nhs


async def blocking(call: Callable[..., T], *args: Any) -> T:
    """Run a blocking fhirclient call off the loop that serves the service."""
    return await asyncio.to_thread(call, *args)


@asynccontextmanager
async def serving(service: str, issuer: DevIssuer, kafka: str) -> AsyncIterator[Live]:
    sock = bound_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    database = await create_fresh_database(f"vendor_{service}")
    settings = settings_for(service, database, issuer, kafka).model_copy(
        update={"public_base_url": url}
    )
    app = importlib.import_module(f"{service}.main").create_app(settings)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none", access_log=False)
    server = _Server(config)
    async with AsyncExitStack() as exits:
        await exits.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app)
        client = await exits.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url=url)
        )
        serve = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                if serve.done():
                    serve.result()
                await asyncio.sleep(0.01)
            stack = Stack(service, client, transport, app, app.state.engine, issuer)
            yield Live(stack, f"{url}/fhir")
        finally:
            server.should_exit = True
            await serve
            sock.close()


def refused_issue(error: BaseException) -> tuple[int | None, dict[str, Any]]:
    """The first issue of the OperationOutcome a client raised, with the HTTP status
    where the client keeps it: fhirpy raises `OperationOutcome` (the resource, no
    status), fhirclient `requests.HTTPError` (the response)."""
    response = getattr(error, "response", None)
    if response is not None:
        return int(response.status_code), dict(response.json()["issue"][0])
    resource = getattr(error, "resource", None)
    assert resource is not None, f"{error!r} carries no OperationOutcome"
    return None, dict(resource["issue"][0])
