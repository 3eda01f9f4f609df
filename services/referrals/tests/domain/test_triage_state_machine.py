"""The triage state machine: who may do what from where (pure, no I/O)."""

from __future__ import annotations

import pytest

from referrals.domain.triage import IllegalTransition, Outcome, TriageState, decide

S, Oc = TriageState, Outcome


def _decide(state: TriageState, outcome: Outcome, actor: str = "provider", **kw: bool):  # type: ignore[no-untyped-def]
    options = {"is_advice_request": True, "conversion_authorised": False, **kw}
    return decide(state, outcome, actor, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outcome", "after"),
    [
        (Oc.ADVICE_GIVEN, S.ADVICE_GIVEN),
        (Oc.ACCEPTED, S.ACCEPTED),
        (Oc.REDIRECTED, S.REDIRECTED),
        (Oc.REJECTED, S.REJECTED),
        (Oc.INFORMATION_REQUESTED, S.AWAITING_INFORMATION),
    ],
)
def test_a_provider_decides_a_request_awaiting_triage(outcome: Outcome, after: TriageState) -> None:
    decision = _decide(S.AWAITING_TRIAGE, outcome)

    assert (decision.before, decision.after) == (S.AWAITING_TRIAGE, after)


def test_conversion_without_authorisation_asks_the_referrer() -> None:
    decision = _decide(S.AWAITING_TRIAGE, Oc.CONVERTED)

    assert decision.after is S.AWAITING_CONVERSION_AUTHORISATION
    assert not decision.convert_now


def test_conversion_with_authorisation_converts_now() -> None:
    decision = _decide(S.AWAITING_TRIAGE, Oc.CONVERTED, conversion_authorised=True)

    assert (decision.after, decision.convert_now) == (S.CONVERTED, True)


def test_the_referrer_authorises_a_requested_conversion_by_converting() -> None:
    decision = _decide(S.AWAITING_CONVERSION_AUTHORISATION, Oc.CONVERTED, "referrer")

    assert (decision.after, decision.convert_now) == (S.CONVERTED, True)


def test_a_referral_cannot_be_converted() -> None:
    with pytest.raises(IllegalTransition) as raised:
        _decide(S.AWAITING_TRIAGE, Oc.CONVERTED, is_advice_request=False)

    assert raised.value.status == 422


@pytest.mark.parametrize(
    "state", [S.AWAITING_TRIAGE, S.AWAITING_INFORMATION, S.AWAITING_CONVERSION_AUTHORISATION]
)
def test_only_the_referrer_cancels_an_open_request(state: TriageState) -> None:
    assert _decide(state, Oc.CANCELLED, "referrer").after is S.CANCELLED
    with pytest.raises(IllegalTransition) as raised:
        _decide(state, Oc.CANCELLED, "provider")
    assert raised.value.status == 403


@pytest.mark.parametrize(
    "state", [S.ADVICE_GIVEN, S.ACCEPTED, S.REJECTED, S.REDIRECTED, S.CONVERTED, S.CANCELLED]
)
@pytest.mark.parametrize("outcome", [Oc.ACCEPTED, Oc.REJECTED, Oc.INFORMATION_REQUESTED])
def test_a_finished_request_takes_no_further_decision(state: TriageState, outcome: Outcome) -> None:
    with pytest.raises(IllegalTransition) as raised:
        _decide(state, outcome)

    assert raised.value.status == 409
    assert state.value in raised.value.why


def test_the_provider_cannot_decide_while_waiting_for_the_referrer() -> None:
    with pytest.raises(IllegalTransition):
        _decide(S.AWAITING_INFORMATION, Oc.ACCEPTED)


def test_the_referrer_cannot_record_provider_outcomes() -> None:
    with pytest.raises(IllegalTransition) as raised:
        _decide(S.AWAITING_TRIAGE, Oc.ACCEPTED, "referrer")

    assert raised.value.status == 403


def test_whose_turn_it_is_follows_the_state() -> None:
    assert S.AWAITING_TRIAGE.turn == "provider"
    assert S.AWAITING_INFORMATION.turn == "referrer"
    assert S.ACCEPTED.turn is None
