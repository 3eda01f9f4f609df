"""portal service: domain layer."""
