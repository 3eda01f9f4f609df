"""Versions of stored resources: vread, instance history, type and system history.

Every write keeps a version (`resource_version`) with the patient it was about, and
access to a version is judged by that patient, not by whom the resource is about
now: a Condition moved from one patient to another must not show the first
patient's diagnosis to the second's GP.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.outcome import gone, not_found
from carecoord_shared.store.repository import AccessRule, StoredResource, allow_all, stored_from_row
from carecoord_shared.store.tables import resource, resource_version

__all__ = ["history", "recent_versions", "vread"]


def _version_patient() -> ColumnElement[Any]:
    # Versions written before patients were kept per version fall back to the current.
    return sa.func.coalesce(resource_version.c.patient_nhs, resource.c.patient_nhs)


def _visible_versions(access: AccessRule, *where: Any) -> sa.Select[Any]:
    """Versions the caller may see, each judged by the patient it was about (not by whom
    the resource is about now), as rows that read as a `StoredResource` plus the method."""
    return (
        sa.select(
            resource.c.pk,
            resource_version.c.resource_type,
            resource_version.c.id,
            resource_version.c.version_id,
            resource_version.c.last_updated,
            resource_version.c.deleted,
            resource_version.c.content,
            _version_patient().label("patient_nhs"),
            resource_version.c.method,
        )
        .join(
            resource,
            sa.and_(
                resource.c.resource_type == resource_version.c.resource_type,
                resource.c.id == resource_version.c.id,
            ),
        )
        .where(*where, access(_version_patient()))
    )


def _versions(resource_type: str, resource_id: str, access: AccessRule) -> sa.Select[Any]:
    return _visible_versions(
        access,
        resource_version.c.resource_type == resource_type,
        resource_version.c.id == resource_id,
    )


async def vread(
    conn: AsyncConnection,
    resource_type: str,
    resource_id: str,
    version_id: int,
    access: AccessRule = allow_all,
) -> StoredResource:
    """One version, if the caller may see the patient *that version* is about (404
    otherwise, the same as an unknown version)."""
    query = _versions(resource_type, resource_id, access).where(
        resource_version.c.version_id == version_id
    )
    row = (await conn.execute(query)).first()
    if row is None:
        raise not_found(resource_type, f"{resource_id}/_history/{version_id}")
    if row.deleted:
        raise gone(resource_type, resource_id)
    return stored_from_row(row)


async def history(
    conn: AsyncConnection,
    resource_type: str,
    resource_id: str,
    access: AccessRule = allow_all,
    count: int = 50,
) -> tuple[StoredResource, list[tuple[StoredResource, str]]]:
    """The newest visible version and up to `count` visible versions, newest first, with
    their method; versions about a patient the caller may not see are left out."""
    query = _versions(resource_type, resource_id, access)
    rows = (
        await conn.execute(query.order_by(resource_version.c.version_id.desc()).limit(count))
    ).all()
    if not rows:
        raise not_found(resource_type, resource_id)
    versions = [(stored_from_row(r), r.method) for r in rows]
    return versions[0][0], versions


async def recent_versions(
    conn: AsyncConnection,
    resource_types: Sequence[str],
    access: AccessRule,
    count: int,
    since: datetime | None = None,
) -> list[tuple[StoredResource, str]]:
    """Type- and system-level history: the newest versions of `resource_types` the
    caller may see (each judged by its own patient), newest first."""
    query = (
        _visible_versions(access, resource_version.c.resource_type.in_(list(resource_types)))
        .order_by(resource_version.c.last_updated.desc())
        .limit(count)
    )
    if since is not None:
        query = query.where(resource_version.c.last_updated >= since)
    rows = (await conn.execute(query)).all()
    return [(stored_from_row(row), row.method) for row in rows]
