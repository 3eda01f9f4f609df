"""Run a service app under uvicorn: the one way services are served, here and in containers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from carecoord_shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(factory: Callable[[S], FastAPI], settings: S) -> None:
    uvicorn.run(
        factory(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=5,
    )
