"""Tables the care plans service owns beside the kernel's resource store.

`referral_activity` is this service's projection of the referrals service's events:
the requests and referrals open for each patient, so a care plan view and the
paramedic summary can show them without calling referrals (which may be down).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text

MIGRATIONS = Path(__file__).parent / "migrations"

metadata = MetaData()

referral_activity = Table(
    "referral_activity",
    metadata,
    Column("service_request", Text, primary_key=True),
    Column("nhs_number", Text, nullable=True, index=True),
    Column("ubrn", Text, nullable=True),
    Column("status", Text, nullable=True),
    Column("category", Text, nullable=True),
    Column("priority", Text, nullable=True),
    Column("requester", Text, nullable=True),
    Column("version_id", Integer, nullable=False),
    Column("last_event_type", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
