"""The portal's own tables: web sessions now; subscriptions and read models to come."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
"""The portal's alembic branch (`portal`), applied beside the kernel's."""
