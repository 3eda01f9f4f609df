"""The mdt API process: the kernel's app built from the service's declaration.

`create_app` builds the FastAPI app from settings (nothing happens at import; `clock`
pins "now" for tests); `cli` runs it under uvicorn for `make run` and the container.
"""

from __future__ import annotations

from fastapi import FastAPI

from carecoord_shared.service import Clock, system_clock
from carecoord_shared.web.app import build_app
from carecoord_shared.web.server import serve
from mdt.definition import SERVICE
from mdt.settings import MdtSettings


def create_app(settings: MdtSettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    return build_app(SERVICE, settings, clock=clock)


def cli() -> None:
    serve(create_app, MdtSettings())
