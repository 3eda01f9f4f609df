"""Every write of a ServiceRequest, and the event each one announces.

A request is submitted (first version), revised (any later one) or withdrawn
(deleted), and consumers hear of each: whether the write came over REST or from
`$triage`, a conversion or a resumed clock. Over REST a create is a submission
(`submission.writes`), and a PUT may only create a request that already has its
UBRN (from e-RS).
"""

from __future__ import annotations

from carecoord_shared.fhir.outcome import FhirError, JsonObject, business_rule
from carecoord_shared.fhir.registry import Write
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource
from referrals.fhir.shapes import ubrn_of
from referrals.service import announce

KIND = "ServiceRequest"


async def file(
    tx: FhirTransaction,
    body: JsonObject,
    *,
    if_none_exist: str | None = None,
    resource_id: str | None = None,
    prechecked: bool = False,
) -> tuple[StoredResource, bool]:
    """Store a new request (or, with `if_none_exist`, find it) and announce it;
    `resource_id`: the id chosen beforehand (its UBRN is held for it); `prechecked`:
    the submission has validated it and checked the relationship."""
    stored, created = await tx.create(
        KIND, body, if_none_exist=if_none_exist, resource_id=resource_id, prechecked=prechecked
    )
    if created:
        await announce.request_changed(tx, stored, body)
    return stored, created


async def revise(tx: FhirTransaction, request: StoredResource, body: JsonObject) -> StoredResource:
    """Store `body` as the next version of `request` (read, and locked, by the caller)."""
    stored, _ = await tx.update(KIND, request.id, body, if_match=request.version_id)
    await announce.request_changed(tx, stored, body)
    return stored


async def _current(tx: FhirTransaction, request_id: str) -> StoredResource | None:
    """The version a delete removes (None when it is deleted already)."""
    try:
        return await tx.read(KIND, request_id, lock=True)
    except FhirError as error:
        if error.status == 410:
            return None
        raise


async def rest_write(tx: FhirTransaction, write: Write) -> tuple[StoredResource | None, bool]:
    """A PUT, PATCH or DELETE of a request: stored as sent, then announced."""
    if write.kind == "delete":
        assert write.resource_id is not None
        previous = await _current(tx, write.resource_id)
        removed, _ = await tx.store_write(write)
        if removed is not None and previous is not None:
            await announce.request_changed(tx, removed, previous.as_json())
        return removed, False
    stored, created = await tx.store_write(write)
    assert stored is not None
    body = stored.as_json()
    if created and ubrn_of(body) is None:
        # Only a submission numbers and routes a request; a PUT creating one would skip both.
        raise business_rule("Submit a new request with POST ServiceRequest")
    await announce.request_changed(tx, stored, body)
    return stored, created
