"""care_plans service: store layer."""
