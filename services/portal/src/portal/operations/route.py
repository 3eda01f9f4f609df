"""`$route`: where should this patient go, and why? The front door's decision as an API.

111-style partners, GP online-consultation tools, tests and the portal's own pages ask
the same question the same way (issue 11). It changes nothing: it screens for red flags
and routes; submitting a request is a separate, stored act. `patient` (an NHS number)
is accepted only with that patient's own token, and makes the decision care-plan-aware
from the portal's read model. Answers are codes of the published CodeSystem
`https://carecoord.example/CodeSystem/front-door-question`.
"""

from __future__ import annotations

from carecoord_shared.fhir.operation_parameters import parameter_path
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from carecoord_shared.fhir.outcome import bad_request, forbidden
from portal.domain.front_door_rules import ROUTES, SEXES
from portal.domain.routing import PlanContext
from portal.fhir.front_door import QUESTIONS_URL, healthcare_service
from portal.service.context import PortalContext
from portal.service.front_door_directory import front_door_now
from portal.service.front_door_routing import (
    RouteInput,
    plan_context,
    problems_with,
    route_now,
)

__all__ = ["ROUTE"]


async def _plan_of(call: OperationCall) -> PlanContext | None:
    nhs_number = call.arguments.identifier_value("patient")
    if nhs_number is None:
        return None
    principal = call.principal
    if principal.kind != "patient" or principal.nhs_number != nhs_number:
        raise forbidden("'patient' may only be given with that patient's own sign-in")
    async with call.fhir.reads(principal) as tx:
        return await plan_context(tx, nhs_number)


async def _route(call: OperationCall) -> OperationResult:
    context: PortalContext = call.context
    front_door = front_door_now(context.settings)
    given = RouteInput(
        age=call.arguments.number("age") or 0,
        sex=call.arguments.text("sex") or "",
        answers=tuple(str(a) for a in call.arguments.all("answer")),
        text=call.arguments.text("text") or "",
    )
    problems = problems_with(front_door, given, context.settings.front_door_max_text)
    if problems:
        raise bad_request(problems[0].message, (parameter_path(problems[0].field),))
    decision = route_now(front_door, given, await _plan_of(call), context.clock())
    service = {
        "healthcareService": healthcare_service(decision.service),
        "openNow": decision.open_now,
        "opensAt": decision.opens_next.isoformat() if decision.opens_next else None,
    }
    return ROUTE.result(
        route=decision.route,
        redFlag=decision.red_flag,
        flag=list(decision.flag_ids) or None,
        ruleId=decision.rule.id,
        ruleVersion=decision.rule.version,
        explanation=decision.explanation,
        byOwnPlan=decision.by_own_plan,
        service=service,
    )


ROUTE = Operation(
    name="$route",
    title="Route a patient's request safely",
    documentation="Screens for red flags (structured answers and free text) and routes by "
    "the front door's versioned rules: the most urgent route wins, and every route is "
    "explained with whether its service is open now. Stores nothing.",
    handler=_route,
    level="system",
    changes_state=False,
    anonymous=True,
    inputs=(
        Param("age", "integer", min=1, documentation="Age in whole years (0 to 130)"),
        Param("sex", "code", min=1, values=SEXES, documentation="Administrative gender"),
        Param(
            "answer",
            "code",
            max=None,
            documentation=f"Each question answered yes, a code of {QUESTIONS_URL}",
        ),
        Param("text", "string", documentation="The patient's own words (screened for red flags)"),
        Param(
            "patient",
            "Identifier",
            documentation="The patient's NHS number: only with that patient's own token; "
            "routes by their own escalation plan first",
        ),
    ),
    outputs=(
        Param("route", "code", min=1, values=ROUTES, documentation="Where to go"),
        Param("redFlag", "boolean", min=1, documentation="A red flag was disclosed"),
        Param("flag", "string", max=None, documentation="The id of each red flag found"),
        Param("ruleId", "string", min=1, documentation="The rule that decided"),
        Param("ruleVersion", "string", min=1, documentation="That rule's version"),
        Param("explanation", "string", min=1, documentation="Why, in plain English"),
        Param("byOwnPlan", "boolean", min=1, documentation="Decided by the patient's own plan"),
        Param(
            "service",
            "",
            min=1,
            documentation="The service chosen and whether it is open now",
            parts=(
                Param("healthcareService", "HealthcareService", min=1),
                Param("openNow", "boolean", min=1),
                Param("opensAt", "dateTime", documentation="When it next opens, if closed"),
            ),
        ),
    ),
)
