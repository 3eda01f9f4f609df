"""care_plans service: service layer."""
