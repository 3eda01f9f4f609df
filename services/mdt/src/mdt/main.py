"""The mdt service.

Locality multi-disciplinary teams, meetings, case lists and outcomes, as FHIR R4.
`create_app` builds the FastAPI app from settings (nothing happens at import);
`cli` runs it under uvicorn for `make run` and the container image.
"""

from __future__ import annotations

from fastapi import FastAPI

from carecoord_shared.web.app import create_service_app
from carecoord_shared.web.server import serve
from mdt.api import case_lists, operations
from mdt.api.resources import build_registry
from mdt.events import EVENT_SCHEMAS
from mdt.settings import MdtSettings
from mdt.store.tables import MIGRATIONS


def create_app(settings: MdtSettings | None = None) -> FastAPI:
    settings = settings or MdtSettings()
    registry = build_registry()
    app = create_service_app(
        settings,
        registry,
        title="CareCoord mdt",
        description=(
            "Locality multi-disciplinary teams, meetings, case lists and outcomes, as FHIR R4."
        ),
        routers=(operations.router, case_lists.router),
        migrations=MIGRATIONS,
        event_schemas=EVENT_SCHEMAS,
    )
    app.state.mdt_registry = registry
    return app


def cli() -> None:
    serve(create_app, MdtSettings())
