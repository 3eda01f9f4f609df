"""Tables the mdt service owns beside the kernel's resource store.

The FHIR resources (CareTeam, Appointment, List, Task, Composition) are the record;
these tables are what the service decides with, kept in the same transaction as the
resources they describe: who belongs to which MDT (the membership check behind case
list access), each meeting's capacity, each case's place in the queue (with the
partial unique index that allows one open case per patient per MDT), each action's
owner and due date (for acknowledgement and escalation), and the projections of
other services' events the rules and the preparation checklist need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from carecoord_shared.store.columns import columns

MIGRATIONS = Path(__file__).parent / "migrations"

metadata = MetaData()


def _keyed(name: str, *items: Any) -> Table:
    """A table of this service whose rows are keyed by a resource's `id`."""
    return Table(name, metadata, Column("id", Text, primary_key=True), *items)


mdt_team = _keyed(
    "mdt_team",
    Column("name", Text, nullable=True),
    Column("kind", Text, nullable=False),
    Column("locality", Text, nullable=True),
    Column("practices", ARRAY(Text), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

mdt_member = Table(
    "mdt_member",
    metadata,
    *columns(Text, "mdt_id", "user_id", primary_key=True),
    Column("membership", Text, nullable=False),
    Column("chair", Boolean, nullable=False),
    Index("ix_mdt_member_user_id", "user_id"),
)

mdt_meeting = _keyed(
    "mdt_meeting",
    Column("mdt_id", Text, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("minutes_per_case", Float, nullable=False),
    Column("list_id", Text, nullable=True),
    Column("status", Text, nullable=False),
    Index("ix_mdt_meeting_mdt_id_starts_at", "mdt_id", "starts_at"),
)

mdt_case = _keyed(
    "mdt_case",
    *columns(Text, "mdt_id", "patient_nhs", "state", "urgency"),
    Column("meeting_id", Text, nullable=True),
    *columns(Boolean, "open", "for_discussion"),
    Column("risk", Float, nullable=False),
    Column("listed_at", DateTime(timezone=True), nullable=False),
    Column("nominators", ARRAY(Text), nullable=False),
    Column("sources", JSONB, nullable=False),
    Index(
        "uq_mdt_case_open_patient",
        "mdt_id",
        "patient_nhs",
        unique=True,
        postgresql_where=text("open"),
    ),
    Index("ix_mdt_case_meeting_id", "meeting_id"),
    Index("ix_mdt_case_mdt_id", "mdt_id"),
)

mdt_action = _keyed(
    "mdt_action",
    *columns(Text, "case_id", "patient_nhs", "owner_kind", "description", "state"),
    *columns(Text, "owner_reference", "owner_display", "owner_organisation", nullable=True),
    Column("due_on", Date, nullable=False),
    Column("needs_acknowledgement", Boolean, nullable=False),
    Column("overdue_at", DateTime(timezone=True), nullable=True),
    Index("ix_mdt_action_open_due", "due_on", postgresql_where=text("overdue_at IS NULL")),
    Index("ix_mdt_action_case_id", "case_id"),
)

mdt_patient = Table(
    "mdt_patient",
    metadata,
    Column("patient_nhs", Text, primary_key=True),
    Column("practice", Text, nullable=True),
    Column("risk_score", Float, nullable=True),
    Column("cohorts", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("review_due_on", Date, nullable=True),
)

mdt_activity = Table(
    "mdt_activity",
    metadata,
    Column("reference", Text, primary_key=True),
    *columns(Text, "patient_nhs", "kind"),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Index("ix_mdt_activity_patient_nhs_kind", "patient_nhs", "kind", "occurred_at"),
)


def by_id(table: Table, row_id: str, *, lock: bool = False) -> Select[Any]:
    """The row of `table` with this `id`, locked for the transaction if asked."""
    query = select(table).where(table.c.id == row_id)
    return query.with_for_update() if lock else query
