"""mdt service: events layer (schemas of what it publishes, handlers of what it reads)."""

from pathlib import Path

EVENT_SCHEMAS = Path(__file__).parent / "schemas"
"""The JSON Schema of each event type this service publishes (served as /asyncapi.json)."""
