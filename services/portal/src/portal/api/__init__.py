"""portal service: api layer."""
