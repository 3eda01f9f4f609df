"""Provenance resources: who contributed what to a patient's plan, and handovers.

DOMAIN.md: "every contribution records who made it". The author is the caller of the
write (their SDS user id, client id or NHS login subject, and organisation). R4
Provenance has no `patient` element, so the patient is a second `target` given by
NHS number: that is what the access rule filters on (see `fhir.resources`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from care_plans.domain.coordination import Assignment, AssignmentRecord
from care_plans.fhir.care_team import instant
from care_plans.fhir.vocabulary import (
    CLIENT_SYSTEM,
    COORDINATION_ACTIVITY_SYSTEM,
    EXT_TARGET_VERSION,
    PATIENT_LOGIN_SYSTEM,
)
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, ODS_SYSTEM, SDS_USER_SYSTEM
from carecoord_shared.security.principal import Principal

Json = dict[str, Any]
ContributionKind = Literal["create", "update", "delete"]
_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
_ACTIVITY = {"create": "CREATE", "update": "UPDATE", "delete": "DELETE"}
_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"


def author(principal: Principal) -> Json:
    system = {"staff": SDS_USER_SYSTEM, "system": CLIENT_SYSTEM}.get(
        principal.kind, PATIENT_LOGIN_SYSTEM
    )
    agent: Json = {
        "type": {"coding": [{"system": _PARTICIPANT, "code": "author"}]},
        "who": {"identifier": {"system": system, "value": principal.subject}},
    }
    if principal.organisation:
        agent["onBehalfOf"] = {
            "identifier": {"system": ODS_SYSTEM, "value": principal.organisation}
        }
    return agent


def provenance(nhs_number: str, recorded: datetime, body: Json) -> Json:
    """A Provenance about the patient: `body`'s targets plus the patient by NHS number."""
    patient = {"type": "Patient", "identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}}
    return {
        "resourceType": "Provenance",
        "recorded": instant(recorded),
        **body,
        "target": [*body.get("target", []), patient],
    }


def contribution(
    principal: Principal, targets: Sequence[tuple[str, int]], kind: ContributionKind
) -> Json:
    """A contribution: each target (unversioned, so `Provenance?target=CarePlan/x` finds
    every contribution; the kernel's reference index does not strip `_history`) at its
    version."""
    return {
        "target": [
            {
                "reference": target,
                "extension": [{"url": EXT_TARGET_VERSION, "valueString": str(version_id)}],
            }
            for target, version_id in targets
        ],
        "activity": {"coding": [{"system": _OPERATION, "code": _ACTIVITY[kind]}]},
        "agent": [author(principal)],
    }


def handover(
    principal: Principal, team: str, previous: AssignmentRecord, new: Assignment, at: datetime
) -> Json:
    """A co-ordinator handing the patient over: from `previous`, to `new`, and why."""
    return {
        "target": [{"reference": team}],
        "occurredDateTime": instant(at),
        "activity": {
            "coding": [
                {"system": _OPERATION, "code": "UPDATE"},
                {"system": COORDINATION_ACTIVITY_SYSTEM, "code": "handover"},
            ]
        },
        "reason": [
            {
                "coding": [{"system": _REASON, "code": "TREAT", "display": "treatment"}],
                "text": new.reason.strip()[:200],
            }
        ],
        "agent": [
            author(principal),
            {"role": [{"text": "to"}], "who": {"reference": new.coordinator.reference}},
        ],
        "entity": [{"role": "source", "what": {"reference": previous.coordinator.reference}}],
    }
