"""Reads that may find nothing, beside the unit of work's own interactions.

`tx.read` answers 404 for a resource that does not exist or that the caller may not
see, and 410 for a deleted one: a handler that only asks "is there one I can see?"
gets None for all three instead of catching the error itself.
"""

from __future__ import annotations

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.unit_reads import FhirReads
from carecoord_shared.store.repository import StoredResource

__all__ = ["read_or_none"]


async def read_or_none(
    tx: FhirReads, resource_type: str, resource_id: str, *, lock: bool = False
) -> StoredResource | None:
    """The current version if the caller may read it; None for an unknown, hidden or
    deleted one (any other refusal is raised as `tx.read` raises it)."""
    try:
        return await tx.read(resource_type, resource_id, lock=lock)
    except FhirError as error:
        if error.status in (404, 410):
            return None
        raise
