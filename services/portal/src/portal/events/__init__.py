"""Events of the portal service: the JSON Schemas of what it publishes on its topic."""

from pathlib import Path

SCHEMAS = Path(__file__).parent / "schemas"
