"""The care plans API process: the declared service (`definition.SERVICE`) as a FastAPI
app, with indicators G1-G3 loaded at start-up.

`create_app` builds it from settings (nothing happens at import); `cli` runs it under
uvicorn for `make run` and the container image.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from care_plans.definition import SERVICE
from care_plans.service.indicators import ensure_measures
from care_plans.settings import CarePlansSettings
from carecoord_shared.security.principal import system_principal
from carecoord_shared.service import Clock, system_clock
from carecoord_shared.web.app import build_app
from carecoord_shared.web.server import serve


def _loading_measures(app: FastAPI) -> FastAPI:
    """Start-up writes the Measures once the kernel's lifespan has migrated and built the
    store (the declaration has no start-up step yet: see the README's known limits)."""
    kernel_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with kernel_lifespan(app):
            await ensure_measures(app.state.fhir, system_principal(SERVICE.name))
            yield

    app.router.lifespan_context = lifespan
    return app


def create_app(
    settings: CarePlansSettings | None = None, *, clock: Clock = system_clock
) -> FastAPI:
    return _loading_measures(build_app(SERVICE, settings, clock=clock))


def cli() -> None:
    serve(create_app, CarePlansSettings())
