"""Tables the referrals service owns beside the kernel's resource store.

The FHIR resources (ServiceRequest, Task, Communication) are the record; these
tables are what the service needs to run the clock and keep promises cheaply:
`ubrn` makes every UBRN unique, `triage_case` is one row per triage Task (its
state, due date, pause and breach flags) so the breach job and the response report
are plain indexed queries, and `triage_transition` keeps every transition (who,
when, from, to) as the audit trail of triage. `advice_call` counts advice-line calls
for the avoided-conveyance measure, and `coordinator` / `care_plan` are projections
of care_plans' events, so the paramedic summary answers when care_plans is down.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

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

advice_call = Table(
    "advice_call",
    metadata,
    Column("communication", Text, primary_key=True),
    Column("advice_line", Text, nullable=False),
    Column("locality", Text, nullable=True),
    Column("outcome", Text, nullable=False),
    Column("nhs_number", Text, nullable=False),
    Column("paramedic", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_advice_call_advice_line", "advice_line", "locality"),
    Index("ix_advice_call_paramedic", "paramedic", "at"),
)

coordinator = Table(
    "coordinator",
    metadata,
    Column("nhs_number", Text, primary_key=True),
    Column("care_team", Text, primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("coordinator", JSONB, nullable=False),
    Column("cover", Boolean, nullable=False),
    Column("period_start", Text, nullable=True),
    Column("period_end", Text, nullable=True),
    Column("ended", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""Projection of care_plans' `coordinator.assigned` / `.ended` events per patient."""

care_plan = Table(
    "care_plan",
    metadata,
    Column("care_plan", Text, primary_key=True),
    Column("nhs_number", Text, nullable=False, index=True),
    Column("version_id", Integer, nullable=False),
    Column("status", Text, nullable=True),
    Column("title", Text, nullable=True),
    Column("description", Text, nullable=True),
    Column("next_review_due", Text, nullable=True),
    Column("end_of_life", JSONB, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""Projection of care_plans' `careplan.revised` events (the paramedic summary's plan)."""
