"""The triage state machine of one A&G request or referral at one service.

Outcomes come from what triage clinicians need beyond e-RS's two API responses
(DOMAIN.md, "Triage outcomes users need"). The state is the triage Task's
businessStatus, which also says whose turn it is. Provider outcomes are for the
service's clinicians, `cancelled` for the referrer only; conversion needs the
referrer's authorisation, and without it becomes a request to the referrer, who
authorises by invoking `converted` themselves. Pure: the service layer loads the
state, asks `decide`, and applies the decision atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

__all__ = [
    "Actor",
    "Decision",
    "IllegalTransition",
    "Outcome",
    "TriageState",
    "decide",
]

Actor = Literal["provider", "referrer"]


class TriageState(StrEnum):
    AWAITING_TRIAGE = "awaiting-triage"
    AWAITING_INFORMATION = "awaiting-information"
    AWAITING_CONVERSION_AUTHORISATION = "awaiting-conversion-authorisation"
    ADVICE_GIVEN = "advice-given"
    ACCEPTED = "accepted"
    REDIRECTED = "redirected"
    REJECTED = "rejected"
    CONVERTED = "converted"
    CANCELLED = "cancelled"

    @property
    def turn(self) -> Actor | None:
        """Whose move it is (None once the request is finished at this service)."""
        if self is TriageState.AWAITING_TRIAGE:
            return "provider"
        if self in (
            TriageState.AWAITING_INFORMATION,
            TriageState.AWAITING_CONVERSION_AUTHORISATION,
        ):
            return "referrer"
        return None

    @property
    def clock_running(self) -> bool:
        return self is TriageState.AWAITING_TRIAGE

    @property
    def responded(self) -> bool:
        """The provider has given its response (the response clock stops for good)."""
        return self not in (TriageState.AWAITING_TRIAGE, TriageState.AWAITING_INFORMATION)


class Outcome(StrEnum):
    ADVICE_GIVEN = "advice-given"
    ACCEPTED = "accepted"
    REDIRECTED = "redirected"
    REJECTED = "rejected"
    INFORMATION_REQUESTED = "information-requested"
    CONVERTED = "converted"
    CANCELLED = "cancelled"


_PROVIDER_MOVES: dict[Outcome, TriageState] = {
    Outcome.ADVICE_GIVEN: TriageState.ADVICE_GIVEN,
    Outcome.ACCEPTED: TriageState.ACCEPTED,
    Outcome.REDIRECTED: TriageState.REDIRECTED,
    Outcome.REJECTED: TriageState.REJECTED,
    Outcome.INFORMATION_REQUESTED: TriageState.AWAITING_INFORMATION,
}
_OPEN = (
    TriageState.AWAITING_TRIAGE,
    TriageState.AWAITING_INFORMATION,
    TriageState.AWAITING_CONVERSION_AUTHORISATION,
)


class IllegalTransition(Exception):
    """The outcome cannot be applied now; `why` is safe to show the caller."""

    def __init__(self, why: str, *, status: int = 409) -> None:
        super().__init__(why)
        self.why = why
        self.status = status


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    before: TriageState
    after: TriageState
    convert_now: bool = False
    """Make the referral now (False: ask the referrer to authorise conversion)."""


def decide(
    state: TriageState,
    outcome: Outcome,
    actor: Actor,
    *,
    is_advice_request: bool,
    conversion_authorised: bool,
) -> Decision:
    """The transition `outcome` makes from `state` when `actor` asks, or IllegalTransition."""
    if outcome is Outcome.CANCELLED:
        if actor != "referrer":
            raise IllegalTransition("Only the referrer can cancel a request", status=403)
        if state not in _OPEN:
            raise IllegalTransition(f"The request is already {state.value}; it cannot be cancelled")
        return Decision(outcome, state, TriageState.CANCELLED)
    if outcome is Outcome.CONVERTED:
        return _conversion(state, actor, is_advice_request, conversion_authorised)
    if actor != "provider":
        raise IllegalTransition(
            f"Only the service's triage clinicians can record '{outcome.value}'", status=403
        )
    if state is not TriageState.AWAITING_TRIAGE:
        raise IllegalTransition(
            f"The request is {state.value}, not awaiting triage: '{outcome.value}' is not allowed"
        )
    return Decision(outcome, state, _PROVIDER_MOVES[outcome])


def _conversion(
    state: TriageState, actor: Actor, is_advice_request: bool, authorised: bool
) -> Decision:
    if not is_advice_request:
        raise IllegalTransition(
            "Only an advice & guidance request can be converted to a referral", status=422
        )
    if actor == "referrer":
        # The referrer's own `converted` is their authorisation, given when asked (or
        # after advice, as e-RS lets a referrer convert).
        if state not in (
            TriageState.AWAITING_CONVERSION_AUTHORISATION,
            TriageState.ADVICE_GIVEN,
        ):
            raise IllegalTransition(f"The request is {state.value}: it cannot be converted now")
        return Decision(Outcome.CONVERTED, state, TriageState.CONVERTED, convert_now=True)
    if state not in (TriageState.AWAITING_TRIAGE, TriageState.ADVICE_GIVEN):
        raise IllegalTransition(f"The request is {state.value}: it cannot be converted now")
    if authorised:
        return Decision(Outcome.CONVERTED, state, TriageState.CONVERTED, convert_now=True)
    return Decision(Outcome.CONVERTED, state, TriageState.AWAITING_CONVERSION_AUTHORISATION)
