"""The portal service.

The staff portal, the patients' single front door, routing and partner subscriptions, as FHIR R4.
`create_app` builds the FastAPI app from settings (nothing happens at import);
`cli` runs it under uvicorn for `make run` and the container image.
"""

from __future__ import annotations

from fastapi import FastAPI

from carecoord_shared.web.app import create_service_app
from carecoord_shared.web.server import serve
from portal.api.resources import build_registry
from portal.settings import PortalSettings


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or PortalSettings()
    return create_service_app(
        settings,
        build_registry(),
        title="CareCoord portal",
        description=(
            "the staff portal, the patients' single front door, routing a"
            "nd partner subscriptions, as FHIR R4."
        ),
    )


def cli() -> None:
    serve(create_app, PortalSettings())
