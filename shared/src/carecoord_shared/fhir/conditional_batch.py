"""Many conditional creates of one type in three statements (a consumer run's activities).

`If-None-Exist` one resource at a time is a search, a claim and a create: three round
trips each. For criteria of the commonest form, one token parameter as `system|code`
(the identifier the fact that caused a resource gives it), a whole run of them is
one search of the index, one claim statement and one create. Criteria of any other
form, and any claim lost to a concurrent creator (or left by a resource that no
longer matches), go the single way (`claim_conditional_create` through `create`),
so each outcome is the one a single conditional create would give. The same
criteria twice in one run create one resource.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.outcome import JsonObject, precondition_failed
from carecoord_shared.fhir.registry import Check, ResourceDefinition
from carecoord_shared.fhir.resource_checks import checked
from carecoord_shared.store.repository import AccessRule, StoredResource, new_id, stored_from_row
from carecoord_shared.store.tables import conditional_create, resource, search_index

if TYPE_CHECKING:
    from carecoord_shared.fhir.unit_of_work import FhirTransaction

__all__ = ["Absent", "create_absent"]

Absent = Sequence[tuple[JsonObject, str]]
"""Resources to create unless their criteria find one: (body, If-None-Exist criteria)."""
Token = tuple[str, str, str]
"""A criterion of the simple form: parameter, system, code."""
Store = Callable[
    [Sequence[tuple[ResourceDefinition, JsonObject, str | None]]], Awaitable[list[StoredResource]]
]


def _simple(definition: ResourceDefinition, criteria: str) -> tuple[str, Token] | None:
    """The claim key and the token of `param=system|code` criteria (None otherwise)."""
    items = sorted(parse_qsl(criteria.lstrip("?"), keep_blank_values=True))
    if len(items) != 1:
        return None
    name, value = items[0]
    param = definition.param(name)
    system, _, code = value.partition("|")
    if param is None or param.type != "token" or not system or not code or "," in value:
        return None
    return urlencode(items), (name, system, code)


async def _existing(
    conn: AsyncConnection, definition: ResourceDefinition, rule: AccessRule, tokens: set[Token]
) -> dict[Token, list[StoredResource]]:
    """The visible resources each token finds (one query for all of them)."""
    si, r = search_index.c, resource.c
    query = (
        sa.select(resource, si.param, si.system, si.value)  # a StoredResource, then the token
        .join(search_index, si.res_pk == r.pk)
        .where(
            si.resource_type == definition.type,
            sa.tuple_(si.param, si.system, si.value).in_(sorted(tokens)),
            r.deleted.is_(False),
            rule(r.patient_nhs),
        )
    )
    found: dict[Token, list[StoredResource]] = {}
    for row in await conn.execute(query):
        found.setdefault((row.param, row.system, row.value), []).append(stored_from_row(row))
    return found


async def _claim(conn: AsyncConnection, resource_type: str, keys: dict[str, str]) -> set[str]:
    """Claim each criteria key for its new id; the keys this unit of work now holds."""
    if not keys:
        return set()
    rows = [
        {"resource_type": resource_type, "criteria": key, "resource_id": id_}
        for key, id_ in keys.items()
    ]
    statement = pg_insert(conditional_create).values(rows).on_conflict_do_nothing()
    claimed = await conn.scalars(statement.returning(conditional_create.c.criteria))
    return set(claimed)


async def create_absent(
    conn: AsyncConnection,
    tx: FhirTransaction,
    definition: ResourceDefinition,
    items: Absent,
    store: Store,
    check: Check = "full",
) -> list[tuple[StoredResource, bool]]:
    """`create` with `if_none_exist` for each (body, criteria), in order: each
    resource and whether it is new."""
    simple = {n: s for n, (_, criteria) in enumerate(items) if (s := _simple(definition, criteria))}
    tokens = {token for _, token in simple.values()}
    found = await _existing(conn, definition, tx.rule_for(definition.type), tokens)
    results: dict[int, tuple[StoredResource, bool]] = {}
    first: dict[str, int] = {}  # criteria key -> the item that creates it
    fresh: dict[str, str] = {}  # criteria key -> the id its resource would take
    for n, (key, token) in simple.items():
        matches = found.get(token, [])
        if len(matches) > 1:
            raise precondition_failed("If-None-Exist matches more than one resource")
        if matches:
            await tx.audit("R", matches[0].reference, matches)
            results[n] = (matches[0], False)
        elif key not in first:
            checked(definition, items[n][0], None, check=check)
            first[key], fresh[key] = n, new_id()
    claimed = await _claim(conn, definition.type, fresh)
    won = [key for key in fresh if key in claimed]
    made = await store([(definition, items[first[key]][0], fresh[key]) for key in won])
    for key, stored in zip(won, made, strict=True):
        results[first[key]] = (stored, True)
    for n, (body, criteria) in enumerate(items):
        if n not in results:  # another form, a lost claim or a repeat: the single way
            results[n] = await tx.create(definition.type, body, if_none_exist=criteria)
    return [results[n] for n in range(len(items))]
