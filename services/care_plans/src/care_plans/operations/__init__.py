"""This service's FHIR operations, one module each (declaration and thin handler)."""
