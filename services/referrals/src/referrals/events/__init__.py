"""Events of the referrals service: one consumer a module, and the schemas of what it publishes.

It consumes care_plans' topic: registrations (which practice may see which patient),
co-ordinator assignments and care plan revisions (the projections the paramedic
summary reads, so it still answers when care_plans is down). Every consumer runs in
the consumer's transaction beside the inbox record, so a redelivery changes nothing.
"""

from pathlib import Path

from carecoord_shared.service import Consumer, EventHandler

SCHEMAS = Path(__file__).parent / "schemas"
"""JSON Schemas of the events it publishes (served as `/asyncapi.json`)."""


def from_care_plans(event_type: str, handler: EventHandler) -> Consumer:
    """A consumer of one of care_plans' event types (one Kafka consumer for them all)."""
    return Consumer(
        event_type,
        topic=lambda settings: settings.care_plans_topic,
        handler=handler,
        group="registrations",
    )
