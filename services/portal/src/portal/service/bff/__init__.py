"""The staff pages' backend for the frontend: calls to referrals, care_plans and mdt.

Each call goes over HTTP to the service's FHIR API with the signed-in person's own
access token (`FhirClient`), and comes back as the small views the pages render.
"""

from portal.service.bff.client import FhirClient, FhirReply, ServiceDown

__all__ = ["FhirClient", "FhirReply", "ServiceDown"]
