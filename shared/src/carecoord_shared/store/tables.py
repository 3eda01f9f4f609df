"""Tables of the FHIR resource store, kept in each service's own database.

`resource` holds the current version of every resource as the exact canonical
JSON bytes that reads return; `resource_version` keeps every version for vread and
`_history`; `search_index` holds the values of declared search parameters, one row
per value (strings folded for matching, and as written for `:exact`), so that
searches are plain indexed SQL; `conditional_create` makes
`If-None-Exist` race-safe by a primary key rather than search-then-insert.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    UniqueConstraint,
)

from carecoord_shared.db import kernel_metadata
from carecoord_shared.store.columns import columns

resource = Table(
    "resource",
    kernel_metadata,
    Column("pk", BigInteger, primary_key=True, autoincrement=True),
    *columns(Text, "resource_type", "id"),
    Column("version_id", Integer, nullable=False),
    Column("last_updated", DateTime(timezone=True), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("content", LargeBinary, nullable=True),
    Column("patient_nhs", Text, nullable=True),
    UniqueConstraint("resource_type", "id"),
    Index("ix_resource_type_pk", "resource_type", "pk"),
    Index("ix_resource_patient_nhs", "patient_nhs"),
)

resource_version = Table(
    "resource_version",
    kernel_metadata,
    *columns(Text, "resource_type", "id", primary_key=True),
    Column("version_id", Integer, primary_key=True),
    Column("last_updated", DateTime(timezone=True), nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("method", Text, nullable=False),
    Column("content", LargeBinary, nullable=True),
    # The patient this version is about: access to a version is decided by it.
    Column("patient_nhs", Text, nullable=True),
)

search_index = Table(
    "search_index",
    kernel_metadata,
    Column("res_pk", BigInteger, ForeignKey("resource.pk", ondelete="CASCADE"), nullable=False),
    *columns(Text, "resource_type", "param"),
    *columns(Text, "system", "value", "exact", nullable=True),
    *columns(DateTime(timezone=True), "lo", "hi", nullable=True),
    Index("ix_search_index_value", "resource_type", "param", "value", "system"),
    Index("ix_search_index_date", "resource_type", "param", "lo", "hi"),
    Index("ix_search_index_res_pk_param", "res_pk", "param", postgresql_include=["lo", "value"]),
)

conditional_create = Table(
    "conditional_create",
    kernel_metadata,
    *columns(Text, "resource_type", "criteria", primary_key=True),
    Column("resource_id", Text, nullable=False),
)
