"""Race-safe conditional create (`If-None-Exist`).

Two clients creating "the same" resource at once (a GP system retrying a submission)
must end with one resource. A primary key on (type, normalised criteria) decides
between concurrent creators; the unit of work asks here before it inserts.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.outcome import bad_request, precondition_failed
from carecoord_shared.fhir.registry import FhirRegistry, ResourceDefinition
from carecoord_shared.store import repository, search
from carecoord_shared.store.repository import AccessRule, StoredResource
from carecoord_shared.store.tables import conditional_create

__all__ = ["claim_conditional_create"]


async def claim_conditional_create(
    conn: AsyncConnection,
    registry: FhirRegistry,
    definition: ResourceDefinition,
    rule: AccessRule,
    criteria: str,
    new_id: str | None = None,
) -> StoredResource | str:
    """Race-safe `If-None-Exist`: the existing match, or the id the new resource takes.

    A primary key on (type, normalised criteria) decides between concurrent
    creators: the loser's insert waits for the winner's commit, then finds the
    winner's resource. A key whose resource no longer matches is taken over under
    the key's row lock, so only one creator can.
    """
    items = sorted(parse_qsl(criteria.lstrip("?"), keep_blank_values=True))
    query, _ = search.parse_query(registry, definition, items, strict=True)
    if not query.criteria:
        raise bad_request("If-None-Exist has no search criteria", ("If-None-Exist",))
    query.count = 2

    async def existing() -> StoredResource | None:
        found = await search.search(conn, registry, definition, query, rule)
        if len(found.matches) > 1:
            raise precondition_failed("If-None-Exist matches more than one resource")
        return found.matches[0] if found.matches else None

    if (match := await existing()) is not None:
        return match
    new_id = new_id or repository.new_id()
    key, criteria_key = conditional_create.c, urlencode(items)
    this_key = (key.resource_type == definition.type, key.criteria == criteria_key)
    claimed = await conn.scalar(
        pg_insert(conditional_create)
        .values(resource_type=definition.type, criteria=criteria_key, resource_id=new_id)
        .on_conflict_do_nothing()
        .returning(key.resource_id)
    )
    if claimed is not None:
        return new_id
    await conn.execute(sa.select(key.resource_id).where(*this_key).with_for_update())
    if (match := await existing()) is not None:
        return match
    await conn.execute(sa.update(conditional_create).where(*this_key).values(resource_id=new_id))
    return new_id
