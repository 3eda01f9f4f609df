"""portal service: service layer."""
