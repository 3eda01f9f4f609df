"""care_plans service: api layer."""
