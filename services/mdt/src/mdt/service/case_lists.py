"""Case-list access for MDT members only (see `mdt.api.case_lists` for why).

The search adds a criterion on the List's MDT identifier naming only the caller's own
MDTs, so the database never returns another team's list; system clients act under a
data-sharing agreement and are not restricted (kernel `access` rule).
"""

from __future__ import annotations

from collections.abc import Sequence

from carecoord_shared.fhir.interactions import SearchPage
from carecoord_shared.fhir.outcome import forbidden
from carecoord_shared.security import audit
from carecoord_shared.store import search
from carecoord_shared.store.repository import StoredResource
from mdt.service.resources import TEAM_ID
from mdt.service.transaction import ServiceTransaction
from mdt.store import teams

_NO_TEAM = "!"
"""Not a FHIR id, so a criterion on it matches nothing."""


def team_of(stored: StoredResource) -> str | None:
    for identifier in stored.as_json().get("identifier", []):
        if identifier.get("system") == TEAM_ID:
            return str(identifier.get("value"))
    return None


async def member_list(tx: ServiceTransaction, list_id: str) -> StoredResource:
    stored = await tx.read("List", list_id)
    mdt_id = team_of(stored)
    if tx.principal.kind != "system" and (
        mdt_id is None or not await teams.is_member(tx.conn, mdt_id, tx.principal.subject)
    ):
        raise forbidden("Only members of this MDT can see its case lists")
    return stored


async def member_search(tx: ServiceTransaction, items: Sequence[tuple[str, str]]) -> SearchPage:
    definition = tx.registry.definitions["List"]
    own = list(items)
    if tx.principal.kind != "system":
        mine = await teams.teams_of(tx.conn, tx.principal.subject) or [_NO_TEAM]
        own.append(("identifier", ",".join(f"{TEAM_ID}|{m}" for m in mine)))
    query, warnings = search.parse_query(tx.registry, definition, own, strict=False)
    result = await search.search(tx.conn, tx.registry, definition, query, tx.rule)
    entity = f"List?{search.query_string(query)}"[:500]
    await audit.record(tx.conn, tx.principal, "E", entity, None)
    return SearchPage(result, query, warnings)
