"""Mapping between FHIR R4 JSON and this service's domain: the resources it serves, the
shapes it writes (CareTeam, EpisodeOfCare, Provenance, Measure, MeasureReport, Task)
and the facts it reads out of Patients, Conditions and CarePlans."""
