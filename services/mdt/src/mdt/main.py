"""The mdt service.

Locality multi-disciplinary teams, meetings, case lists and outcomes, as FHIR R4.
`create_app` builds the FastAPI app from settings (nothing happens at import);
`cli` runs it under uvicorn for `make run` and the container image.
"""

from __future__ import annotations

from fastapi import FastAPI

from carecoord_shared.web.app import create_service_app
from carecoord_shared.web.server import serve
from mdt.api.resources import build_registry
from mdt.settings import MdtSettings


def create_app(settings: MdtSettings | None = None) -> FastAPI:
    settings = settings or MdtSettings()
    return create_service_app(
        settings,
        build_registry(),
        title="CareCoord mdt",
        description=(
            "locality multi-disciplinary teams, meetings, case lists and outcomes, as FHIR R4."
        ),
    )


def cli() -> None:
    serve(create_app, MdtSettings())
