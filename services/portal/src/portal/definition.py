"""The portal, declared: what the kernel assembles into its API and its worker.

Three faces on one service (ARCHITECTURE.md, "The portal"): the staff frontend and the
patient front door (web pages, installed by `web.install`), and partner subscriptions.
Each new resource, operation, consumer or job is its own module, named here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.registry import ResourceDefinition
from carecoord_shared.service import ServiceDefinition
from portal.events import SCHEMAS as EVENT_SCHEMAS
from portal.events import patient_registered
from portal.faces import front_door, staff, subscriptions
from portal.fhir.resources import resources as shared_resources
from portal.service.context import PortalContext
from portal.settings import PortalSettings
from portal.store import MIGRATIONS

FACES = (staff.FACE, front_door.FACE, subscriptions.FACE)


def resources(context: Any) -> Sequence[ResourceDefinition]:
    return (*shared_resources(context), *(r for face in FACES for r in face.resources(context)))


def definitions(context: Any) -> Sequence[JsonObject]:
    return [d for face in FACES for d in face.definitions(context)]


def install_pages(app: FastAPI, context: PortalContext) -> None:
    """The staff and front-door pages, in the API only: imported here, when the API is
    assembled, so the worker and its delivery process never load the web layer (Jinja2,
    the pages and their routes: about 12 MiB in each)."""
    from portal.web.install import install_pages as install

    install(app, context)


async def startup(fhir: FhirInteractions, context: Any) -> None:
    for face in FACES:
        if face.startup is not None:
            await face.startup(fhir, context)


SERVICE = ServiceDefinition(
    name="portal",
    title="CareCoord portal",
    description="The staff portal, the patients' single front door, routing and partner "
    "subscriptions, as FHIR R4.",
    settings=PortalSettings,
    context=PortalContext.build,
    resources=resources,
    operations=tuple(op for face in FACES for op in face.operations),
    consumers=(patient_registered.CONSUMER, *(c for face in FACES for c in face.consumers)),
    grant_reasons=frozenset({patient_registered.REGISTERED_PRACTICE}),
    jobs=tuple(j for face in FACES for j in face.jobs),
    migrations=MIGRATIONS,
    event_schemas=EVENT_SCHEMAS,
    definitions=definitions,
    install=install_pages,
    startup=startup,
)
