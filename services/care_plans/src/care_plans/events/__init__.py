"""Events of the care_plans service: the JSON Schemas of what it publishes on its topic."""

from pathlib import Path

SCHEMAS = Path(__file__).parent / "schemas"
