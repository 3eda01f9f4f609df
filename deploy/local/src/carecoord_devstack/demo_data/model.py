"""The shapes the demo data is written in, and the FHIR snippets every part of it reuses.

The demo data is plain FHIR JSON, but each resource must also say which service
stores it and how to find it again (the `If-None-Exist` criteria that make loading
idempotent), and the demo users must be printable by `carecoord run`. Keeping those
few types and the identifier/coding helpers here lets the directory and the
population modules stay declarative and agree on spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, ODS_SYSTEM

__all__ = [
    "LOCAL",
    "SCT",
    "DemoUser",
    "JsonObject",
    "Seed",
    "coding",
    "concept",
    "identifier",
    "organisation_ref",
    "patient_ref",
]

JsonObject = dict[str, Any]

SCT = "http://snomed.info/sct"
LOCAL = "https://carecoord.example"
"""Root of the clearly local code and identifier systems (never a real authority)."""


@dataclass(frozen=True, slots=True)
class Seed:
    """One resource to create in `service` unless `criteria` already finds it."""

    service: str
    resource: JsonObject
    criteria: str

    @property
    def resource_type(self) -> str:
        return str(self.resource["resourceType"])


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A person (or system) a developer can act as, with the token command's arguments."""

    role: str
    description: str
    organisation: str | None
    user_id: str
    nhs_number: str | None = None

    def token_command(self) -> str:
        """The `carecoord token` command line that mints this user's token."""
        parts = [f"--role {self.role}"]
        if self.organisation:
            parts.append(f"--org {self.organisation}")
        parts.append(
            f"--patient {self.nhs_number}" if self.nhs_number else f"--user {self.user_id}"
        )
        return ".venv/bin/carecoord token " + " ".join(parts)

    def make_command(self) -> str:
        """The same through the Makefile (`make token ROLE=... ORG=... USER_ID=...`)."""
        parts = [f"ROLE={self.role}"]
        if self.organisation:
            parts.append(f"ORG={self.organisation}")
        parts.append(f"PATIENT={self.nhs_number}" if self.nhs_number else f"USER_ID={self.user_id}")
        return "make token " + " ".join(parts)


def identifier(system: str, value: str) -> JsonObject:
    return {"system": system, "value": value}


def coding(system: str, code: str, display: str) -> JsonObject:
    return {"system": system, "code": code, "display": display}


def concept(system: str, code: str, display: str) -> JsonObject:
    return {"coding": [coding(system, code, display)], "text": display}


def organisation_ref(ods: str, name: str) -> JsonObject:
    """A logical reference by ODS code, as GP systems and e-RS refer to organisations."""
    return {"type": "Organization", "identifier": identifier(ODS_SYSTEM, ods), "display": name}


def patient_ref(nhs_number: str) -> JsonObject:
    """A logical reference by NHS number: the services link patient data by it."""
    return {"type": "Patient", "identifier": identifier(NHS_NUMBER_SYSTEM, nhs_number)}
