"""The FHIR of referrals: what each resource served says, and the bodies the service builds.

FHIR's camelCase stays in this package: the service layer asks it for a request's
category, UBRN or practice, and gets Task, Communication, MeasureReport and
Parameters bodies back, so no handler walks JSON itself.
"""
