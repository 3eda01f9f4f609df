"""mdt service: domain layer."""
