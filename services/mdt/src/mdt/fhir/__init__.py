"""mdt fhir layer: the MDT's records as FHIR resources, and operation input as domain values."""
