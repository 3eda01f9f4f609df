"""The portal's three faces, each declared apart and put together in `definition`.

The staff frontend, the patient front door and partner subscriptions each own their
resources, operations, consumers and jobs (`Face`); the portal's declaration is their
sum. This keeps the three apart in the code as they are in the architecture.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.operations import Operation
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.registry import ResourceDefinition
from carecoord_shared.service import Consumer, Job

__all__ = ["Face"]


@dataclass(frozen=True, slots=True)
class Face:
    resources: Callable[[Any], Sequence[ResourceDefinition]] = lambda _context: ()
    operations: Sequence[Operation] = ()
    consumers: Sequence[Consumer] = ()
    jobs: Sequence[Job] = ()
    definitions: Callable[[Any], Sequence[JsonObject]] = lambda _context: ()
    """The CodeSystems, ValueSets and StructureDefinitions it publishes."""
    startup: Callable[[FhirInteractions, Any], Awaitable[None]] | None = None
    """Run when the API starts (idempotent writes the face needs before any worker)."""
