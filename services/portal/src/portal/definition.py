"""The portal, declared: what the kernel assembles into its API and its worker.

The staff portal, the patients' single front door and partner subscriptions all
grow from here: each new resource, operation, consumer or job is its own module,
named in this declaration.
"""

from __future__ import annotations

from carecoord_shared.service import ServiceDefinition
from portal.fhir.resources import resources
from portal.settings import PortalSettings

SERVICE = ServiceDefinition(
    name="portal",
    title="CareCoord portal",
    description="The staff portal, the patients' single front door, routing and partner "
    "subscriptions, as FHIR R4.",
    settings=PortalSettings,
    resources=resources,
)
