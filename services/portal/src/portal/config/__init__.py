"""Settings of each face, mixed into `PortalSettings` (one module per face, so each face
adds its own without touching the others)."""
