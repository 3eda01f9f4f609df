"""The portal, declared: what the kernel assembles into its API and its worker.

Three faces on one service (ARCHITECTURE.md, "The portal"): the staff frontend and the
patient front door (web pages, installed by `web.install`), and partner subscriptions.
Each new resource, operation, consumer or job is its own module, named here.
"""

from __future__ import annotations

from carecoord_shared.service import ServiceDefinition
from portal.fhir.resources import resources
from portal.service.context import PortalContext
from portal.settings import PortalSettings
from portal.store import MIGRATIONS
from portal.web.install import install_pages

SERVICE = ServiceDefinition(
    name="portal",
    title="CareCoord portal",
    description="The staff portal, the patients' single front door, routing and partner "
    "subscriptions, as FHIR R4.",
    settings=PortalSettings,
    context=PortalContext.build,
    resources=resources,
    migrations=MIGRATIONS,
    install=install_pages,
)
