"""portal service: store layer."""
