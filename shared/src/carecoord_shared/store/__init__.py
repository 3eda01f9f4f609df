"""The versioned FHIR resource store: tables, search index and repository."""
