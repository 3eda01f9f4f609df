"""mdt service: api layer."""
