"""What every MDT route needs from the app: its settings and a unit of work."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from fastapi import Request
from fastapi.responses import Response

from carecoord_shared.fhir.http import json_response
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.security.principal import Principal
from mdt.service.transaction import ServiceTransaction, unit_of_work
from mdt.settings import MdtSettings


def settings_of(request: Request) -> MdtSettings:
    settings: MdtSettings = request.app.state.settings
    return settings


def transaction(
    request: Request, principal: Principal
) -> AbstractAsyncContextManager[ServiceTransaction]:
    return unit_of_work(request.app.state.engine, request.app.state.mdt_registry, principal)


def resource_response(body: JsonObject, status: int = 200) -> Response:
    return json_response(body, status)
