"""care_plans service: domain layer."""
