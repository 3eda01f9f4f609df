"""Versioned resource persistence: create, read, vread, history, update, delete.

Every write keeps the exact canonical JSON (with `id` and `meta` stamped) as bytes,
appends a row to `resource_version`, and rewrites the resource's search index rows,
all inside the caller's transaction so that the outbox event and the AuditEvent
written beside it commit or roll back together. Optimistic locking takes a row lock
(`FOR UPDATE`) and then compares versions, so concurrent PUTs with the same
`If-Match` give exactly one winner and the rest 412.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import ColumnElement, true
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.outcome import (
    JsonObject,
    gone,
    not_found,
    precondition_failed,
)
from carecoord_shared.fhir.registry import ResourceDefinition
from carecoord_shared.store.indexing import index_rows, patient_nhs_of
from carecoord_shared.store.tables import resource
from carecoord_shared.store.writing import NewResource, insert_resources, replace_version

AccessRule = Callable[[ColumnElement[Any]], ColumnElement[bool]]
"""Given the `patient_nhs` column of a resource table, the SQL condition for access."""


def allow_all(_column: ColumnElement[Any]) -> ColumnElement[bool]:
    return true()


@dataclass(frozen=True, slots=True)
class StoredResource:
    pk: int
    resource_type: str
    id: str
    version_id: int
    last_updated: datetime
    deleted: bool
    content: bytes | None
    patient_nhs: str | None

    @property
    def etag(self) -> str:
        return f'W/"{self.version_id}"'

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"

    def as_json(self) -> JsonObject:
        assert self.content is not None
        value: JsonObject = orjson.loads(self.content)
        return value


STORED_COLUMNS = (  # what `stored_from_row` reads, in order
    resource.c.pk,
    resource.c.resource_type,
    resource.c.id,
    resource.c.version_id,
    resource.c.last_updated,
    resource.c.deleted,
    resource.c.content,
    resource.c.patient_nhs,
)


def stored_from_row(row: Sequence[Any]) -> StoredResource:
    return StoredResource(*row[:8])


def _stamp(body: JsonObject, resource_id: str, version_id: int, when: datetime) -> bytes:
    body["id"] = resource_id
    meta = dict(body.get("meta") or {})
    meta["versionId"] = str(version_id)
    meta["lastUpdated"] = when.isoformat().replace("+00:00", "Z")
    body["meta"] = meta
    return orjson.dumps(body)


def new_id() -> str:
    return str(uuid.uuid4())


async def create(
    conn: AsyncConnection,
    definition: ResourceDefinition,
    body: JsonObject,
    resource_id: str | None = None,
    patient_nhs: str | None = None,
) -> StoredResource:
    """Store version 1; `patient_nhs` when the caller resolved the patient itself (a
    `Patient/<id>` reference), else the NHS number the body names."""
    [stored] = await create_many(conn, [(definition, body, resource_id, patient_nhs)])
    return stored


NewBody = tuple[ResourceDefinition, JsonObject, str | None, str | None]
"""A resource to create: its type, body, id chosen beforehand (or None) and patient."""


async def create_many(conn: AsyncConnection, bodies: Sequence[NewBody]) -> list[StoredResource]:
    """Store version 1 of each body (each with its own id, version row and index rows)
    in one statement; the stored resources in the order given."""
    now = datetime.now(UTC)
    made = []
    for definition, body, resource_id, patient_nhs in bodies:
        new = resource_id or new_id()
        content = _stamp(body, new, 1, now)
        patient = patient_nhs or patient_nhs_of(definition, body)
        made.append(
            NewResource(definition.type, new, content, patient, index_rows(definition, body))
        )
    pks = await insert_resources(conn, made, now)
    return [
        StoredResource(pk, m.resource_type, m.id, 1, now, False, m.content, m.patient_nhs)
        for pk, m in zip(pks, made, strict=True)
    ]


async def find(
    conn: AsyncConnection,
    resource_type: str,
    resource_id: str,
    access: AccessRule = allow_all,
    *,
    for_update: bool = False,
) -> StoredResource | None:
    query = _find_statement(access(resource.c.patient_nhs), for_update)
    row = (await conn.execute(query, {"find_type": resource_type, "find_id": resource_id})).first()
    return stored_from_row(row) if row else None


@lru_cache(maxsize=4096)
def _find_statement(condition: ColumnElement[bool], for_update: bool) -> sa.Select[Any]:
    """One statement object per access condition: SQLAlchemy memoises its cache key on
    the object, which otherwise costs more than the query on the hottest path."""
    query = sa.select(*STORED_COLUMNS).where(
        resource.c.resource_type == sa.bindparam("find_type"),
        resource.c.id == sa.bindparam("find_id"),
        condition,
    )
    return query.with_for_update(of=resource) if for_update else query


async def read(
    conn: AsyncConnection, resource_type: str, resource_id: str, access: AccessRule = allow_all
) -> StoredResource:
    stored = await find(conn, resource_type, resource_id, access)
    if stored is None:
        raise not_found(resource_type, resource_id)
    if stored.deleted:
        raise gone(resource_type, resource_id)
    return stored


async def update(
    conn: AsyncConnection,
    definition: ResourceDefinition,
    resource_id: str,
    body: JsonObject,
    *,
    if_match: int | None,
    access: AccessRule = allow_all,
    patient_nhs: str | None = None,
) -> tuple[StoredResource, JsonObject | None]:
    """Replace the resource (or create it with this id). Returns it and the previous body."""
    current = await find(conn, definition.type, resource_id, access, for_update=True)
    if current is None:
        if if_match is not None or not definition.update_create:
            raise not_found(definition.type, resource_id)
        if await find(conn, definition.type, resource_id) is not None:
            raise not_found(definition.type, resource_id)  # exists, but not for this caller
        return await create(conn, definition, body, resource_id, patient_nhs), None
    if if_match is not None and if_match != current.version_id:
        raise precondition_failed(
            f"Version {if_match} is stale: {definition.type}/{resource_id} is at version "
            f"{current.version_id}. Read it again, reapply your change and retry."
        )
    previous = None if current.deleted or current.content is None else current.as_json()
    version = current.version_id + 1
    now = datetime.now(UTC)
    content = _stamp(body, resource_id, version, now)
    patient = patient_nhs or patient_nhs_of(definition, body)
    new = NewResource(definition.type, resource_id, content, patient, index_rows(definition, body))
    await replace_version(conn, current.pk, new, version, now, method="update")
    stored = StoredResource(
        current.pk, definition.type, resource_id, version, now, False, content, patient
    )
    return stored, previous


async def remove(
    conn: AsyncConnection,
    definition: ResourceDefinition,
    resource_id: str,
    access: AccessRule = allow_all,
) -> tuple[StoredResource, JsonObject] | None:
    """Delete: the resource answers 410 afterwards; its versions stay for history."""
    current = await find(conn, definition.type, resource_id, access, for_update=True)
    if current is None:
        raise not_found(definition.type, resource_id)
    if current.deleted:
        return None
    previous = current.as_json()
    now = datetime.now(UTC)
    version = current.version_id + 1
    gone_version = NewResource(definition.type, resource_id, None, current.patient_nhs)
    await replace_version(conn, current.pk, gone_version, version, now, method="delete")
    stored = StoredResource(
        current.pk, definition.type, resource_id, version, now, True, None, current.patient_nhs
    )
    return stored, previous
