"""A minimal service for the kernel's own tests: settings, a running app and a client.

The kernel is proved without any service's rules, on a fresh database; each test
module declares only the resource types it needs, and this builds the rest the same
way every time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from carecoord_devstack.testing import serving
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.settings import ServiceSettings
from carecoord_shared.web.app import create_service_app

TOPIC = "carecoord.example.v1"


def example_settings(database_url: str, issuer: DevIssuer, **overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "service_name": "example",
        "environment": "test",
        "database_url": database_url,
        "auth_jwks_url": issuer.jwks_url,
        "topic": TOPIC,
    }
    return ServiceSettings(**(values | overrides))


@asynccontextmanager
async def running(
    settings: ServiceSettings, registry: FhirRegistry, **headers: str
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app with its lifespan started, and an in-process client for it."""
    app = create_service_app(settings, registry, title="example")
    async with serving(app, "http://x", headers=headers) as client:
        yield app, client
