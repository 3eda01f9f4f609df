"""mdt service: events layer (schemas of what it publishes, handlers of what it reads)."""
