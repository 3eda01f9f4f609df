"""Which foreign facts become plan activities (Task), and under which dedupe key."""

from __future__ import annotations

from care_plans.fhir.activities import mdt_action_activity, triage_activity

NHS = "9990000018"


def _triaged(outcome: str, **extra: object) -> dict[str, object]:
    return {"serviceRequest": "ServiceRequest/1", "nhsNumber": NHS, "outcome": outcome} | extra


def test_only_advice_given_and_accepted_become_activities() -> None:
    assert triage_activity(_triaged("rejected")) is None
    assert triage_activity(_triaged("redirected")) is None
    advice = triage_activity(_triaged("advice-given", ubrn="a.1"))
    accepted = triage_activity(_triaged("accepted"))
    assert advice is not None
    assert accepted is not None
    assert (advice["status"], accepted["status"]) == ("completed", "requested")
    assert advice["identifier"][0]["value"] == "ServiceRequest/1#advice-given"
    assert advice["basedOn"][0]["identifier"]["value"] == "a.1"


def test_events_missing_what_a_reaction_needs_change_nothing() -> None:
    assert triage_activity({"outcome": "accepted", "nhsNumber": NHS}) is None
    assert triage_activity({"outcome": "accepted", "serviceRequest": "ServiceRequest/1"}) is None
    assert mdt_action_activity({"nhsNumber": NHS}) is None


def test_mdt_action_keeps_owner_and_due_date() -> None:
    task = mdt_action_activity(
        {"nhsNumber": NHS, "action": "Task/a", "owner": {"display": "DN"}, "dueOn": "2026-12-01"}
    )
    assert task is not None
    assert task["identifier"][0]["value"] == "mdt:Task/a"
    assert task["owner"] == {"display": "DN"}
    assert task["restriction"]["period"]["end"] == "2026-12-01"
