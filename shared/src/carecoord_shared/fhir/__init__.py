"""The FHIR R4 edge: errors as OperationOutcomes, parsing through one version seam, responses."""
