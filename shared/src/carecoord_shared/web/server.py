"""Run a service app under uvicorn: the one way services are served, here and in containers.

One process by default. `<SERVICE>_HTTP_WORKERS=N` runs N uvicorn worker processes,
each building the app from the same environment through the service's `create_app`
factory: a Python API process uses one core, so this is how a service uses more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from carecoord_shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(factory: Callable[[S], FastAPI], settings: S) -> None:
    options = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "access_log": False,
        "proxy_headers": True,
        "timeout_graceful_shutdown": 5,
    }
    if settings.http_workers > 1:
        target = f"{factory.__module__}:{factory.__name__}"
        uvicorn.run(target, factory=True, workers=settings.http_workers, **options)  # type: ignore[arg-type]
    else:
        uvicorn.run(factory(settings), **options)  # type: ignore[arg-type]
