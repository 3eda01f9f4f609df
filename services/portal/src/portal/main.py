"""The portal's API process: the kernel assembles it from the declaration.

`create_app` builds the FastAPI app from settings (nothing happens at import);
`cli` runs it under uvicorn for `make run` and the container image.
"""

from __future__ import annotations

from fastapi import FastAPI

from carecoord_shared.web.app import build_app
from carecoord_shared.web.server import serve
from portal.definition import SERVICE
from portal.settings import PortalSettings


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    return build_app(SERVICE, settings)


def cli() -> None:
    serve(create_app, PortalSettings())
