"""One service app under test, as every service's test harness holds it.

A service's tests drive its app in-process: a client speaking to it through its ASGI
interface inside its lifespan, an engine of the test's own on its database (to seed
and check rows beside the app) and the development issuer whose tokens it trusts.
`app_under_test` starts the client and the engine together; `ServiceApp` is the base
of each service's harness (`Referrals`, `Mdt`), so signing a token and reading or
writing a row beside the app are written once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_devstack.testing import engine_on, minted, serving
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import Role

__all__ = ["ServiceApp", "app_under_test"]


@dataclass(slots=True)
class ServiceApp:
    """A running app, a client for it, an engine on its database and its token issuer."""

    client: httpx.AsyncClient
    app: FastAPI
    engine: AsyncEngine
    issuer: DevIssuer

    def token(self, role: Role, organisation: str | None, **claims: Any) -> str:
        """A signed bearer token (one per claims, so the verifier's cache is used)."""
        return minted(self.issuer, role, organisation=organisation, **claims)

    async def scalar(self, sql: str, **params: Any) -> Any:
        """The first column of the first row `sql` returns, read beside the app."""
        async with self.engine.connect() as conn:
            return await conn.scalar(text(sql), params)

    async def execute(self, sql: str, **params: Any) -> None:
        """Run `sql` beside the app, in a transaction of its own."""
        async with self.engine.begin() as conn:
            await conn.execute(text(sql), params)


@asynccontextmanager
async def app_under_test(
    app: FastAPI, database_url: str, base_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, AsyncEngine]]:
    """`app` served in-process at `base_url` (inside its lifespan), and an engine of the
    test's own on its database; both closed when the block ends."""
    async with engine_on(database_url) as engine, serving(app, base_url) as client:
        yield client, engine
