"""Case-list access for MDT members only, on every path to a List.

A List names no patient, so the kernel's relationship filter (which works on a
resource's patient) would let anyone with `List.rs` read every MDT's list of
patients. Membership is checked here instead, for every way a List can be reached:
read, vread and history answer a non-member exactly what an unknown id gets (404,
the refusal audited), so a list's existence is not revealed; a search adds a
criterion on the List's MDT identifier naming only the caller's own MDTs, so the
database never returns another team's list; type and system history leave out the
lists of other teams. A List declares no reference parameter, so no `_include` or
`_revinclude` of another type reaches one. System clients act under a data-sharing
agreement and are not restricted (kernel `access` rule). Every view is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from carecoord_shared.fhir.interactions import SearchPage
from carecoord_shared.fhir.outcome import not_found
from carecoord_shared.fhir.unit_of_work import FhirTransaction, Refusal
from carecoord_shared.store import search
from carecoord_shared.store.repository import StoredResource
from mdt.fhir.shapes import team_of_list
from mdt.fhir.systems import TEAM_ID
from mdt.store.meetings import Meetings
from mdt.store.teams import Teams

_NO_TEAM = "!"
"""Not a FHIR id, so a criterion on it matches nothing."""


def _sees_every_list(tx: FhirTransaction) -> bool:
    """The service itself, or a system client whose agreement covers the whole system;
    a partner bound to some organisations is not a member of any MDT."""
    principal = tx.principal
    return principal.internal or (principal.kind == "system" and "*" in principal.agreement)


async def _visible(tx: FhirTransaction, list_id: str) -> None:
    """404 (audited as a refusal) unless the caller is a member of the list's MDT."""
    if _sees_every_list(tx):
        return
    mdt_id = await tx.repository(Meetings).team_of_list(list_id)
    if mdt_id is None or not await tx.repository(Teams).is_member(mdt_id, tx.principal.subject):
        tx.refusals.append(Refusal("R", f"List/{list_id}", None))
        raise not_found("List", list_id)


async def member_list(tx: FhirTransaction, list_id: str) -> StoredResource:
    await _visible(tx, list_id)
    return await tx.read("List", list_id)


async def member_version(tx: FhirTransaction, list_id: str, version: int) -> StoredResource:
    await _visible(tx, list_id)
    return await tx.vread("List", list_id, version)


async def member_history(tx: FhirTransaction, list_id: str) -> list[tuple[StoredResource, str]]:
    await _visible(tx, list_id)
    return await tx.history("List", list_id)


async def member_search(
    tx: FhirTransaction, items: Sequence[tuple[str, str]], *, strict: bool
) -> SearchPage:
    definition = tx.registry.definitions["List"]
    own = list(items)
    if not _sees_every_list(tx):
        mine = await tx.repository(Teams).teams_of(tx.principal.subject) or [_NO_TEAM]
        own.append(("identifier", ",".join(f"{TEAM_ID}|{m}" for m in mine)))
    query, warnings = search.parse_query(tx.registry, definition, own, strict=strict)
    result = await tx.run_search(definition, query)
    await tx.record_access("E", f"List?{search.query_string(query)}"[:500], [])
    return SearchPage(result, query, warnings)


async def member_recent(
    tx: FhirTransaction, resource_types: Sequence[str], count: int, since: datetime | None
) -> list[tuple[StoredResource, str]]:
    """Type- or system-level history without the case lists of other MDTs."""
    versions = await tx.recent(resource_types, count, since)
    if _sees_every_list(tx):
        return versions
    mine = set(await tx.repository(Teams).teams_of(tx.principal.subject))
    return [
        (stored, method)
        for stored, method in versions
        if stored.resource_type != "List" or team_of_list(stored.as_json()) in mine
    ]
