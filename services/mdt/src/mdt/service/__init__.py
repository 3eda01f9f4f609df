"""mdt service: service layer."""
