"""mdt service layer: the use cases operations, consumers and the job share.

Each function works in the unit of work it is given (`FhirTransaction`): FHIR
resources through it, the MDT's own tables through its repositories (`mdt.store`),
access grants and events through its ports. No FastAPI, no SQL here.
"""
