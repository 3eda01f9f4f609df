"""Mapping between FHIR and the portal's own records, and the resources it serves."""
