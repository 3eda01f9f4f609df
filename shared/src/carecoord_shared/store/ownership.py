"""Owned resources (a partner's Subscription) name their owner in a kernel tag.

The creating client owns the resource; the tag is kept through later writes, so an
administrator's edit does not take it over. Reads and searches of an `owned` type are
limited to the owner (`fhir.resource_checks.owned_access_rule`), through the tag's
index row.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.registry import ResourceDefinition
from carecoord_shared.security.principal import Principal
from carecoord_shared.store import repository
from carecoord_shared.store.indexing import OWNER_TAG_SYSTEM, owner_of

__all__ = ["stamp_owner"]


async def stamp_owner(
    conn: AsyncConnection, definition: ResourceDefinition, principal: Principal, body: JsonObject
) -> None:
    current = await repository.find(conn, definition.type, str(body.get("id", "")))
    owner = owner_of(current.as_json()) if current and current.content else None
    meta = dict(body.get("meta") or {})
    tags = [t for t in meta.get("tag", []) if t.get("system") != OWNER_TAG_SYSTEM]
    tags.append({"system": OWNER_TAG_SYSTEM, "code": owner or principal.subject})
    body["meta"] = {**meta, "tag": tags}
