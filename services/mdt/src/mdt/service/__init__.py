"""mdt service: one async handler per command, each one unit of work."""
