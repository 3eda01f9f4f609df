"""mdt service: store layer."""
