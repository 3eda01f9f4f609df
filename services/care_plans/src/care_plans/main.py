"""The care plans API process: the declared service (`definition.SERVICE`) as a FastAPI
app; its start-up step loads indicators G1-G3.

`create_app` builds it from settings (nothing happens at import); `cli` runs it under
uvicorn for `make run` and the container image.
"""

from __future__ import annotations

from fastapi import FastAPI

from care_plans.definition import SERVICE
from care_plans.settings import CarePlansSettings
from carecoord_shared.service import Clock, system_clock
from carecoord_shared.web.app import build_app
from carecoord_shared.web.server import serve


def create_app(
    settings: CarePlansSettings | None = None, *, clock: Clock = system_clock
) -> FastAPI:
    return build_app(SERVICE, settings, clock=clock)


def cli() -> None:
    serve(create_app, CarePlansSettings())
