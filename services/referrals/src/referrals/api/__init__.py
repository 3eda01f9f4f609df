"""HTTP edge of the referrals service: FHIR resource declarations and operation routes."""
