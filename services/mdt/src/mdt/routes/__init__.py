"""FHIR routes of the MDT beyond its operations (mounted before the kernel's generic ones)."""
