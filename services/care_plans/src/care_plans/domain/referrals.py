"""What this service knows of the referrals service's requests: its own projection.

The referrals service owns advice & guidance requests and referrals; this service
keeps, from their events, the facts its rules need (how many requests a patient had
in the last 12 months counts towards the risk score, `domain.register`), so it still
answers when referrals is down (ARCHITECTURE.md, "Each service owns its database").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ReferralActivity:
    """The latest known version of one request; an older version never overwrites it."""

    service_request: str
    nhs_number: str | None
    ubrn: str | None
    status: str | None
    category: str
    priority: str | None
    requester: str | None
    version_id: int
    last_event_type: str
    updated_at: datetime
