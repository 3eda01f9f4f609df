"""What this service does with other services' events: one module per event type.

Each module declares one `Consumer` (event type, topic, handler). Every handler runs
in the consumer's transaction beside the inbox record, as this service's system
principal, so a redelivered event changes nothing. Handlers read tolerantly: an
event without the fields a reaction needs changes nothing. `schemas/` holds the
JSON Schemas of what this service publishes.
"""

from __future__ import annotations

from pathlib import Path

from care_plans.settings import CarePlansSettings

SCHEMAS = Path(__file__).parent / "schemas"
GROUP = "referrals"
"""One Kafka consumer (and its offsets) for the referrals and MDT topics: the per-patient
effects of both land on one plan, in order."""


def referrals_topic(settings: CarePlansSettings) -> str:
    return settings.referrals_topic


def mdt_topic(settings: CarePlansSettings) -> str:
    return settings.mdt_topic
