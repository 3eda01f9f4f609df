"""What the front door announces when it keeps a request: each event's type and what it
carries, in one place beside the schemas they are checked against (`events/schemas/`).

A request kept and routed (`request-routed`), the red flag it raised (`red-flag-raised`)
and each message on its thread (`message-sent`) are announced in the unit of work that
stores them (no dual write); the use cases say when, these builders say what. Every
routing event names the rule and rule version that decided, so an audit can replay it.
"""

from __future__ import annotations

from datetime import datetime

from portal.domain.routing import Decision

__all__ = [
    "MESSAGE_SENT",
    "RED_FLAG_RAISED",
    "REQUEST_ROUTED",
    "message_sent",
    "red_flag_raised",
    "request_routed",
]

REQUEST_ROUTED = "carecoord.portal.request-routed.v1"
RED_FLAG_RAISED = "carecoord.portal.red-flag-raised.v1"
MESSAGE_SENT = "carecoord.portal.message-sent.v1"

Payload = dict[str, object]


def _rule(decision: Decision) -> Payload:
    return {"ruleId": decision.rule.id, "ruleVersion": decision.rule.version}


def request_routed(request: str, communication: str, decision: Decision) -> Payload:
    """The kept request (CommunicationRequest) and the patient's words (Communication)."""
    return {
        "request": request,
        "communication": communication,
        "route": decision.route,
        "redFlag": decision.red_flag,
        **_rule(decision),
        "service": decision.service.key,
        "openNow": decision.open_now,
        "byOwnPlan": decision.by_own_plan,
    }


def red_flag_raised(
    task: str,
    request: str,
    decision: Decision,
    duty: str,
    coordinator: str | None,
    raised_at: datetime,
) -> Payload:
    """The duty clinician's callback Task for the request, with the red-flag rules that
    matched (the deciding rule when none is named) and the patient's co-ordinator (None
    when they have none)."""
    return {
        "task": task,
        "request": request,
        "route": decision.route,
        "flags": list(decision.flag_ids) or [decision.rule.id],
        **_rule(decision),
        "dutyClinician": duty,
        "coordinator": coordinator,
        "raisedAt": raised_at.isoformat(),
    }


def message_sent(request: str, communication: str, from_team: bool, answered: bool) -> Payload:
    """A message added to the request's thread, by the patient or their team."""
    return {
        "request": request,
        "communication": communication,
        "from": "team" if from_team else "patient",
        "answered": answered,
    }
