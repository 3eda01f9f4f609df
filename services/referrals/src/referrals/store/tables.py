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

from carecoord_shared.store.columns import columns
from carecoord_shared.store.upsert import projection

MIGRATIONS = Path(__file__).parent / "migrations"

metadata = MetaData()
INSTANT = DateTime(timezone=True)


ubrn = Table(
    "ubrn",
    metadata,
    Column("value", Text, primary_key=True),
    *columns(Text, "service_request"),
)

triage_case = Table(
    "triage_case",
    metadata,
    Column("task", Text, primary_key=True),
    *columns(Text, "service_request", "ubrn", "nhs_number", "service", "requester_ods", "priority"),
    Column("target_days", Integer, nullable=False),
    *columns(Text, "state"),
    *columns(INSTANT, "submitted_at", "due_at"),
    *columns(
        INSTANT, "paused_at", "responded_at", "imminent_raised_at", "breached_at", nullable=True
    ),
    Index("ix_triage_case_service_request", "service_request"),
    Index("ix_triage_case_state_due_at", "state", "due_at"),
)

triage_transition = Table(
    "triage_transition",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    *columns(
        Text, "service_request", "task", "outcome", "from_state", "to_state", "actor", "actor_role"
    ),
    *columns(Text, "actor_organisation", "reason", nullable=True),
    *columns(INSTANT, "at"),
    Index("ix_triage_transition_service_request", "service_request", "id"),
)

advice_call = Table(
    "advice_call",
    metadata,
    Column("communication", Text, primary_key=True),
    *columns(Text, "advice_line"),
    *columns(Text, "locality", nullable=True),
    *columns(Text, "outcome", "nhs_number", "paramedic"),
    *columns(INSTANT, "at"),
    Index("ix_advice_call_advice_line", "advice_line", "locality"),
    Index("ix_advice_call_paramedic", "paramedic", "at"),
)

coordinator = Table(
    "coordinator",
    metadata,
    *columns(Text, "nhs_number", "care_team", "kind", primary_key=True),
    Column("coordinator", JSONB, nullable=False),
    Column("cover", Boolean, nullable=False),
    *columns(Text, "period_start", "period_end", nullable=True),
    Column("ended", Boolean, nullable=False),
    *columns(INSTANT, "updated_at"),
)
"""Projection of care_plans' `coordinator.assigned` / `.ended` events per patient."""

care_plan = projection(
    "care_plan",
    metadata,
    "care_plan",
    *columns(Text, "status", "title", "description", "next_review_due", nullable=True),
    Column("end_of_life", JSONB, nullable=True),
)
"""Projection of care_plans' `careplan.revised` events (the paramedic summary's plan)."""
