"""Case-list access for MDT members only.

A List names no patient, so the kernel's relationship filter (which works on a
resource's patient) would let anyone with `List.rs` read every MDT's list of
patients. A read answers 403 to a non-member; a search adds a criterion on the List's
MDT identifier naming only the caller's own MDTs, so the database never returns
another team's list. System clients act under a data-sharing agreement and are not
restricted (kernel `access` rule). Every read and search is audited.
"""

from __future__ import annotations

from collections.abc import Sequence

from carecoord_shared.fhir.interactions import SearchPage
from carecoord_shared.fhir.outcome import forbidden
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store import search
from carecoord_shared.store.repository import StoredResource
from mdt.domain.vocabulary import TEAM_ID
from mdt.fhir.shapes import team_of_list
from mdt.store.teams import Teams

_NO_TEAM = "!"
"""Not a FHIR id, so a criterion on it matches nothing."""


async def member_list(tx: FhirTransaction, list_id: str) -> StoredResource:
    stored = await tx.read("List", list_id)
    mdt_id = team_of_list(stored.as_json())
    if tx.principal.kind != "system" and (
        mdt_id is None or not await tx.repository(Teams).is_member(mdt_id, tx.principal.subject)
    ):
        raise forbidden("Only members of this MDT can see its case lists")
    return stored


async def member_search(tx: FhirTransaction, items: Sequence[tuple[str, str]]) -> SearchPage:
    definition = tx.registry.definitions["List"]
    own = list(items)
    if tx.principal.kind != "system":
        mine = await tx.repository(Teams).teams_of(tx.principal.subject) or [_NO_TEAM]
        own.append(("identifier", ",".join(f"{TEAM_ID}|{m}" for m in mine)))
    query, warnings = search.parse_query(tx.registry, definition, own, strict=False)
    result = await tx.run_search(definition, query)
    await tx.record_access("E", f"List?{search.query_string(query)}"[:500], [])
    return SearchPage(result, query, warnings)
