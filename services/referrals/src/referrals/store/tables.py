"""Tables the referrals service owns beside the kernel's resource store.

The FHIR resources (ServiceRequest, Task, Communication) are the record; these
tables are what the service needs to run the clock and keep promises cheaply:
`ubrn` makes every UBRN unique, `triage_case` is one row per triage Task (its
state, due date, pause and breach flags) so the breach job and the response report
are plain indexed queries, and `triage_transition` keeps every transition (who,
when, from, to) as the audit trail of triage.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
)

MIGRATIONS = Path(__file__).parent / "migrations"

metadata = MetaData()

ubrn = Table(
    "ubrn",
    metadata,
    Column("value", Text, primary_key=True),
    Column("service_request", Text, nullable=False),
)

triage_case = Table(
    "triage_case",
    metadata,
    Column("task", Text, primary_key=True),
    Column("service_request", Text, nullable=False),
    Column("ubrn", Text, nullable=False),
    Column("nhs_number", Text, nullable=False),
    Column("service", Text, nullable=False),
    Column("requester_ods", Text, nullable=False),
    Column("priority", Text, nullable=False),
    Column("target_days", Integer, nullable=False),
    Column("state", Text, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("paused_at", DateTime(timezone=True), nullable=True),
    Column("responded_at", DateTime(timezone=True), nullable=True),
    Column("imminent_raised_at", DateTime(timezone=True), nullable=True),
    Column("breached_at", DateTime(timezone=True), nullable=True),
    Index("ix_triage_case_service_request", "service_request"),
    Index("ix_triage_case_state_due_at", "state", "due_at"),
)

triage_transition = Table(
    "triage_transition",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("service_request", Text, nullable=False),
    Column("task", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("from_state", Text, nullable=False),
    Column("to_state", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("actor_role", Text, nullable=False),
    Column("actor_organisation", Text, nullable=True),
    Column("reason", Text, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_triage_transition_service_request", "service_request", "id"),
)
