"""What the mdt service does with other services' events: one consumer per event type.

Each module declares its `CONSUMER` (event type, topic, consumer group) and its
handler `handle(tx, event, context)`, run by the kernel in the consumer's transaction
beside the inbox record, so a redelivered event changes nothing. Consumers of the care
plans topic share the group `care-plans` (Kafka group `mdt.care-plans`), those of the
referrals topic `referrals` (`mdt.referrals`). `schemas/` holds the
JSON Schema of each event this service publishes (served as /asyncapi.json).
"""

from pathlib import Path

EVENT_SCHEMAS = Path(__file__).parent / "schemas"
"""The JSON Schema of each event type this service publishes (served as /asyncapi.json)."""
