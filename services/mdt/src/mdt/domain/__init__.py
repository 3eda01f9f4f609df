"""mdt service: domain layer (pure decisions, no I/O)."""
