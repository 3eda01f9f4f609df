"""The care plans service.

Named care co-ordinators, shared care plans, the long-term condition register and
indicators, as FHIR R4.

`create_app` builds the FastAPI app from settings (nothing happens at import);
`cli` runs it under uvicorn for `make run` and the container image.
"""

from __future__ import annotations

from fastapi import FastAPI

from care_plans.api import coordination, measures, register, worklists
from care_plans.api.resources import build_registry
from care_plans.events import SCHEMAS
from care_plans.service.indicators import ensure_measures
from care_plans.settings import CarePlansSettings
from care_plans.store.tables import MIGRATIONS
from carecoord_shared.web.app import create_service_app
from carecoord_shared.web.server import serve


def create_app(settings: CarePlansSettings | None = None) -> FastAPI:
    settings = settings or CarePlansSettings()
    registry = build_registry(settings)

    async def on_startup(app: FastAPI) -> None:
        await ensure_measures(app.state.engine, registry)

    return create_service_app(
        settings,
        registry,
        title="CareCoord care_plans",
        migrations=MIGRATIONS,
        event_schemas=SCHEMAS,
        routers=(worklists.router, coordination.router, register.router, measures.router),
        on_startup=on_startup,
        description=(
            "Named care co-ordinators, shared care plans, the long-term condition register "
            "and indicators, as FHIR R4."
        ),
    )


def cli() -> None:
    serve(create_app, CarePlansSettings())
