"""How the matrix invokes each instance-level operation about a patient.

An operation is only worth refusing if it would have worked: so each one is called on
a resource in the state it works on (an MDT case nominated and listed through the
MDT's own operations; an action the MDT gave to A's practice) with arguments the
legitimate caller succeeds with. An operation without an entry here (one added later)
is called with no arguments: GET on the shared seed if it changes nothing, else POST on
a seed of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

from referrals.domain import vocabulary as referrals_vocabulary
from tests.access.bodies import NHS, ODS, P1, SNOMED, about, coded
from tests.access.directory import mdt_team
from tests.access.routes import Route
from tests.access.stack import Stack
from tests.access.users import LEGIT_GP, LEGIT_PARAMEDIC, LEGIT_SYSTEM, User

Parameters = dict[str, Any]
_meeting_hours = count(1)


def parameters(*items: tuple[str, str, Any]) -> Parameters:
    return {"resourceType": "Parameters", "parameter": [{"name": n, k: v} for n, k, v in items]}


@dataclass(frozen=True, slots=True)
class OperationCall:
    """What to invoke: on which id, with which Parameters (None: GET), about whom."""

    resource_id: str
    nhs: str
    body: Parameters | None = None
    changes: bool = False
    """Invoked on a target of its own (so a refused call can be checked for no change)."""


def _success_status(stack: Stack, path: str) -> int:
    """What a legitimate set-up post answers: a create, or the operation `path` names."""
    if "$" not in path:
        return Route(stack.service, "create", path).success_status()
    resource, code = path.split("/")[0], path.rsplit("$", 1)[1]
    return Route(stack.service, "operation", resource, code).success_status()


async def _legit_post(
    stack: Stack, path: str, body: Parameters, user: User = LEGIT_GP
) -> dict[str, Any]:
    token = stack.token(user, "")
    response = await stack.request(
        "POST", f"/fhir/{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == _success_status(stack, path), response.text
    found: dict[str, Any] = response.json()
    return found


async def mdt_case(stack: Stack, *, listed: bool) -> tuple[str, str]:
    """A case for a new patient of P1, nominated to the matrix's MDT (and listed)."""
    if "mdt" not in stack.targets:
        stack.targets["mdt"] = (await _legit_post(stack, "CareTeam", mdt_team()))["id"]
    team, nhs = stack.targets["mdt"], await stack.fresh_patient()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7, hours=next(_meeting_hours))
    scheduled = await _legit_post(
        stack,
        f"CareTeam/{team}/$schedule-meetings",
        parameters(("start", "valueDateTime", start.isoformat()), ("count", "valueInteger", 1)),
    )
    nominated = await _legit_post(
        stack,
        f"CareTeam/{team}/$nominate",
        parameters(
            ("patient", "valueIdentifier", {"system": NHS, "value": nhs}),
            ("reason", "valueString", "Falls and carer strain"),
        ),
    )
    if listed:
        meeting = scheduled["entry"][0]["resource"]["id"]
        await _legit_post(stack, f"Appointment/{meeting}/$assemble-case-list", parameters())
    return str(nominated["id"]), nhs


async def _mdt_action(stack: Stack) -> tuple[str, str]:
    """An action the MDT gave to A's practice, due today."""
    case, nhs = await mdt_case(stack, listed=True)
    action = {
        "name": "action",
        "part": [
            {"name": "description", "valueString": "Review medication"},
            {"name": "ownerKind", "valueCode": "organisation"},
            {"name": "dueOn", "valueDate": date.today().isoformat()},
            {"name": "ownerOrganisation", "valueIdentifier": {"system": ODS, "value": P1}},
        ],
    }
    body = parameters(("status", "valueCode", "discussed"))
    body["parameter"].append(action)
    await _legit_post(stack, f"Task/{case}/$record-outcome", body)
    token = stack.token(LEGIT_GP, "")
    found = await stack.request(
        "GET",
        "/fhir/Task",
        params={"part-of": f"Task/{case}"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return str(found.json()["entry"][0]["resource"]["id"]), nhs


async def _own_seed(stack: Stack, resource_type: str) -> tuple[str, str]:
    nhs = await stack.fresh_patient()
    return await stack.seed(resource_type, nhs), nhs


def _assignment(sds: str) -> Parameters:
    return parameters(
        (
            "practitionerRole",
            "valueReference",
            {"reference": f"PractitionerRole/pr-{sds}", "display": f"Nurse {sds}"},
        ),
        ("sdsUserId", "valueString", sds),
        ("kind", "valueCode", "named-care-coordinator"),
        ("reason", "valueString", "new to the LTC register"),
    )


Builder = Callable[[Stack], Awaitable[OperationCall]]


async def _submitted_request(stack: Stack) -> tuple[str, str]:
    """An A&G request for a new patient of P1, submitted by P1's GP to a service that
    offers advice in its specialty (so it has a triage to act on)."""
    specialty = {"system": SNOMED, "code": "394594003"}
    if "advice-service" not in stack.targets:
        service = {
            "resourceType": "HealthcareService",
            "active": True,
            "name": "Matrix respiratory advice",
            "providedBy": {"identifier": {"system": ODS, "value": "Y0T001"}},
            "specialty": [{"coding": [specialty]}],
            "characteristic": [
                coded("advice-and-guidance", referrals_vocabulary.SERVICE_CHARACTERISTIC)
            ],
        }
        stack.targets["advice-service"] = (
            await _legit_post(stack, "HealthcareService", service, LEGIT_SYSTEM)
        )["id"]
    nhs = await stack.fresh_patient()
    request = about("ServiceRequest", nhs)
    for submitted_by_the_service in ("identifier", "extension"):
        request.pop(submitted_by_the_service)
    request["performerType"] = {"coding": [specialty]}
    return str((await _legit_post(stack, "ServiceRequest", request))["id"]), nhs


async def _triage(stack: Stack) -> OperationCall:
    request, nhs = await _submitted_request(stack)
    return OperationCall(request, nhs, parameters(("outcome", "valueCode", "cancelled")), True)


async def _assign(stack: Stack) -> OperationCall:
    seed, nhs = await _own_seed(stack, "Patient")
    return OperationCall(seed, nhs, _assignment("sds-nurse-9"), True)


async def _case(stack: Stack, *, listed: bool, body: Parameters) -> OperationCall:
    case, nhs = await mdt_case(stack, listed=listed)
    return OperationCall(case, nhs, body, True)


async def _action(stack: Stack) -> OperationCall:
    action, nhs = await _mdt_action(stack)
    return OperationCall(action, nhs, parameters(), True)


SPECIFIC: dict[tuple[str, str], Builder] = {
    ("referrals", "triage"): _triage,
    ("referrals", "paramedic-summary"): lambda s: _reading(s, s.nhs["A"]),
    ("care_plans", "assign-coordinator"): _assign,
    ("mdt", "prepare"): lambda s: _case(s, listed=False, body=parameters()),
    ("mdt", "record-outcome"): lambda s: _case(
        s, listed=True, body=parameters(("status", "valueCode", "not-discussed"))
    ),
    ("mdt", "acknowledge"): _action,
    ("mdt", "complete"): _action,
}
LEGIT_CALLER: dict[tuple[str, str], User] = {("referrals", "paramedic-summary"): LEGIT_PARAMEDIC}
REFUSED_WITH: dict[tuple[str, str], int] = {("referrals", "paramedic-summary"): 403}
"""Operations that refuse every caller but one kind with 403 whatever the patient (only
a paramedic on an advice call about them), so 403 tells nothing about the record."""


async def _reading(stack: Stack, resource_id: str) -> OperationCall:
    return OperationCall(resource_id, stack.nhs["A"], None, False)


async def operation_call(stack: Stack, resource_type: str, code: str) -> OperationCall:
    builder = SPECIFIC.get((stack.service, code))
    if builder is not None:
        return await builder(stack)
    operation = next(op for op in stack.registry.operations if op.code == code)
    if stack.registry.get(resource_type) is None:  # Patient, served elsewhere: by NHS number
        return await _reading(stack, stack.nhs["A"])
    if operation.changes_state:
        seed, nhs = await _own_seed(stack, resource_type)
        return OperationCall(seed, nhs, parameters(), True)
    return await _reading(stack, stack.seeds[resource_type])
