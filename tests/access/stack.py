"""One running service for the access matrix: its app, its database and its seeds.

Each service is built by its own `create_app` on a fresh database and spoken to
in-process (httpx over ASGI). Patient A is registered at practice P1 and patient B at
P2 through the service's own registration consumer where it has one, and the kernel's
grant otherwise. Seeds go straight into the kernel's store (`repository.create`), so
no service rule decides what the matrix can seed; the matrix then asks the service,
over HTTP, who may see them.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_devstack.testing import (
    create_fresh_database,
    minted,
    new_nhs_number,
    serving,
    settings_under_test,
)
from carecoord_shared.events import new_event
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.security import access
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import system_principal
from carecoord_shared.store import repository
from carecoord_shared.store.indexing import OWNER_TAG_SYSTEM
from tests.access.bodies import P1, P2, Body, about
from tests.access.directory import NOT_ABOUT_A_PATIENT
from tests.access.users import LEGIT_PARAMEDIC, LEGIT_SYSTEM, User

BASE_URL = "http://access-matrix.test"
REGISTERED = "carecoord.patient.registered.v1"


@dataclass(slots=True)
class Stack:
    service: str
    client: httpx.AsyncClient
    transport: httpx.ASGITransport
    app: FastAPI
    engine: AsyncEngine
    issuer: DevIssuer
    nhs: dict[str, str] = field(default_factory=dict)
    """'A' and 'B' to their NHS numbers."""
    targets: dict[str, str] = field(default_factory=dict)
    """Served type -> a resource of it that seeds point at (about A if the type is)."""
    seeds: dict[str, str] = field(default_factory=dict)
    """Type about a patient -> the shared seed about A; `moved:<Type>` -> one moved to B."""
    bodies: dict[str, Body] = field(default_factory=dict)
    own: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Route id -> (seed, NHS number) the refused callers of a changing row share."""
    invocations: dict[str, Any] = field(default_factory=dict)
    """Route id -> the operation call the refused callers of a changing row share."""
    _batch: AsyncConnection | None = None

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        if self._batch is not None:
            yield self._batch
            return
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def batched(self) -> AsyncIterator[None]:
        """Seeds written in one transaction (start-up writes dozens)."""
        async with self.engine.begin() as conn:
            self._batch = conn
            try:
                yield
            finally:
                self._batch = None

    async def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        """One request straight to the app's ASGI interface, not through
        `AsyncClient.send`, where the FHIR-samples plugin records what clients receive
        for the validator: what these tests get back is seeds the test built beside the
        services' rules, or hostile input a service let through, not samples of what
        the services produce (what they let through is reported by the fuzz run)."""
        request = self.client.build_request(method, path, **options)
        response = await self.transport.handle_async_request(request)
        await response.aread()
        return response

    @property
    def registry(self) -> FhirRegistry:
        found: FhirRegistry = self.app.state.registry
        return found

    def token(self, user: User, other_type: str) -> str:
        return minted(
            self.issuer,
            user.role,
            organisation=user.organisation,
            user=user.subject,
            nhs_number=self.nhs[user.patient] if user.patient else None,
            scopes=user.scope_text(other_type),
            agreement=user.agreement,
        )

    async def register(self, nhs: str, practice: str) -> None:
        """The practice's grant, as the service's own registration consumer makes it."""
        definition = importlib.import_module(f"{self.service}.definition").SERVICE
        event = new_event(
            REGISTERED,
            source="urn:access-matrix",
            subject=f"Patient/{nhs}",
            data={"nhsNumber": nhs, "patient": f"Patient/reg-{nhs}", "practice": practice},
            nhs_number=nhs,
        )
        for consumer in definition.consumers:
            if consumer.event_type == REGISTERED:
                async with self.app.state.fhir.operation(system_principal("matrix")) as tx:
                    await consumer.handler(tx, event, self.app.state.context)
        async with self.engine.begin() as conn:
            await access.grant(conn, nhs, "organisation", practice, "registered-practice")

    async def store(self, resource_type: str, body: Body) -> str:
        """Seed `body` straight into the kernel's store; its id."""
        definition = self.registry.get(resource_type)
        assert definition is not None, resource_type
        async with self._connection() as conn:
            stored = await repository.create(conn, definition, dict(body))
        self.bodies[stored.id] = body
        return stored.id

    async def move(self, resource_type: str, resource_id: str, body: Body) -> None:
        """A second version of the seed, about someone else."""
        definition = self.registry.get(resource_type)
        assert definition is not None
        async with self._connection() as conn:
            await repository.update(conn, definition, resource_id, dict(body), if_match=None)

    async def seed(self, resource_type: str, nhs: str, refs: dict[str, str] | None = None) -> str:
        return await self.store(resource_type, about(resource_type, nhs, refs))

    async def fresh_patient(self) -> str:
        """A new patient registered at P1: the 'A' of a cell that changes things."""
        nhs = new_nhs_number()
        await self.register(nhs, P1)
        return nhs

    def refs_to_targets(self, resource_type: str) -> dict[str, str]:
        definition = self.registry.get(resource_type)
        assert definition is not None
        refs = {}
        for param in definition.reference_params:
            served = [t for t in param.targets if t in self.targets]
            if served:
                refs[param.name] = f"{served[0]}/{self.targets[served[0]]}"
        return refs


async def _seed_world(stack: Stack) -> None:
    stack.nhs = {"A": new_nhs_number(), "B": new_nhs_number()}
    await stack.register(stack.nhs["A"], P1)
    await stack.register(stack.nhs["B"], P2)
    async with stack.engine.begin() as conn:
        await access.grant(
            conn,
            stack.nhs["A"],
            "user",
            str(LEGIT_PARAMEDIC.subject),
            "advice-call",
            valid_to=datetime.now(UTC) + timedelta(hours=6),
        )
    async with stack.batched():
        await _seed_records(stack)


async def _seed_records(stack: Stack) -> None:
    about_types = {d.type for d in stack.registry.all() if d.patient_nhs is not None}
    for definition in stack.registry.all():
        if definition.type in about_types:
            stack.targets[definition.type] = await stack.seed(definition.type, stack.nhs["A"])
        elif definition.type in NOT_ABOUT_A_PATIENT:
            body = NOT_ABOUT_A_PATIENT[definition.type]()
            if getattr(definition, "owned", False):  # a partner's: the legitimate client's
                owner = {"system": OWNER_TAG_SYSTEM, "code": LEGIT_SYSTEM.subject}
                body["meta"] = {"tag": [owner]}
            stack.targets[definition.type] = await stack.store(definition.type, body)
    for resource_type in sorted(about_types):
        refs = stack.refs_to_targets(resource_type)
        stack.seeds[resource_type] = await stack.seed(resource_type, stack.nhs["A"], refs)
        moved = await stack.seed(resource_type, stack.nhs["A"])
        await stack.move(resource_type, moved, about(resource_type, stack.nhs["B"]))
        stack.seeds[f"moved:{resource_type}"] = moved


def settings_for(service: str, database_url: str, issuer: DevIssuer, kafka: str) -> Any:
    definition = importlib.import_module(f"{service}.definition").SERVICE
    return settings_under_test(
        definition.settings,
        database_url=database_url,
        jwks_url=issuer.jwks_url,
        kafka_bootstrap=kafka,
        public_base_url=BASE_URL,
        rate_limit_per_client=100_000.0,
    )


@asynccontextmanager
async def running(service: str, issuer: DevIssuer, kafka: str) -> AsyncIterator[Stack]:
    """The service on a fresh database, with A, B and the shared seeds in place."""
    settings = settings_for(
        service, await create_fresh_database(f"access_{service}"), issuer, kafka
    )
    app = importlib.import_module(f"{service}.main").create_app(settings)
    async with serving(app, BASE_URL) as client:
        transport = httpx.ASGITransport(app=app)  # for requests that skip the client's hooks
        stack = Stack(service, client, transport, app, app.state.engine, issuer)
        await _seed_world(stack)
        yield stack
