"""Tables the care plans service owns beside the kernel's resource store.

`referral_activity` is this service's projection of the referrals service's events:
the requests and referrals open for each patient, so a care plan view and the
paramedic summary can show them without calling referrals (which may be down).

The others are read models of this service's own FHIR resources, kept in the same
transaction as each write, because the rules need questions FHIR search cannot
answer cheaply (which LTC patients lack a co-ordinator, which plans are overdue):
`patient_register` (cohorts, risk, practice, locality), `coordinator_assignment`
(whose partial unique indexes make "one running co-ordinator, one running cover"
a database fact), `care_plan_index` (one active comprehensive plan per patient, the
review clock) and `care_coordination` (the patient's CareTeam and EpisodeOfCare).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from carecoord_shared.store.columns import columns
from carecoord_shared.store.upsert import projection

MIGRATIONS = Path(__file__).parent / "migrations"

metadata = MetaData()


def _one_per_patient(name: str, where: str) -> Index:
    """A partial unique index: one row per patient among those matching `where`."""
    return Index(name, "patient_nhs", unique=True, postgresql_where=text(where))


referral_activity = projection(
    "referral_activity",
    metadata,
    "service_request",
    *columns(Text, "ubrn", "status", "category", "priority", "requester", nullable=True),
    Column("last_event_type", Text, nullable=False),
    patient_nullable=True,
)

patient_register = Table(
    "patient_register",
    metadata,
    Column("nhs_number", Text, primary_key=True),
    Column("patient_id", Text, nullable=False),
    Column("practice", Text, nullable=True, index=True),
    Column("locality", Text, nullable=True, index=True),
    Column("birth_date", Date, nullable=True),
    Column("cohorts", ARRAY(Text), nullable=False, server_default="{}"),
    Column("risk_score", Integer, nullable=False, server_default="0"),
    Column("six_monthly_review", Boolean, nullable=False, server_default="false"),
)

coordinator_assignment = Table(
    "coordinator_assignment",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    *columns(Text, "patient_nhs", "patient_id", "kind"),
    Column("cover", Boolean, nullable=False),
    Column("coordinator_ref", Text, nullable=False),
    Column("display", Text, nullable=True),
    Column("sds_user_id", Text, nullable=False, index=True),
    Column("phone", Text, nullable=True),
    Column("period_start", DateTime(timezone=True), nullable=False),
    Column("period_end", DateTime(timezone=True), nullable=True),
    Column("reason", Text, nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("ended_reason", Text, nullable=True),
    _one_per_patient("ux_one_running_coordinator", "NOT cover AND ended_at IS NULL"),
    _one_per_patient("ux_one_running_cover", "cover AND ended_at IS NULL"),
)

care_plan_index = Table(
    "care_plan_index",
    metadata,
    Column("care_plan_id", Text, primary_key=True),
    Column("patient_nhs", Text, nullable=False, index=True),
    *columns(Boolean, "comprehensive", "active", "co_developed", "agreed"),
    Column("goal_count", Integer, nullable=False),
    Column("last_reviewed", Date, nullable=True),
    Column("review_due_announced", Date, nullable=True),
    _one_per_patient("ux_one_active_comprehensive_plan", "comprehensive AND active"),
)

care_coordination = Table(
    "care_coordination",
    metadata,
    Column("patient_nhs", Text, primary_key=True),
    *columns(Text, "care_team_id", "episode_id"),
)
