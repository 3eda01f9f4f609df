"""Worklists as documented searches: the provider's queue and what awaits the referrer."""

from __future__ import annotations

from services.referrals.tests.bodies import (
    ODS_SYSTEM,
    PRACTICE_A,
    healthcare_service,
)
from services.referrals.tests.conftest import (
    Referrals,
)
from services.referrals.tests.flows import clinician, submit, triage


async def _ids(
    referrals: Referrals, resource_type: str, params: dict[str, str], headers: dict[str, str]
) -> list[str]:
    response = await referrals.client.get(f"/fhir/{resource_type}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [e["resource"]["id"] for e in response.json().get("entry", [])]


async def test_the_provider_worklist_is_open_triage_tasks_sorted_by_due_date(
    referrals: Referrals,
) -> None:
    service = await referrals.create(healthcare_service())
    performer = f"HealthcareService/{service['id']}"
    routine = await submit(referrals, performer=performer, priority="routine")
    urgent = await submit(referrals, performer=performer, priority="urgent")
    done = await submit(referrals, performer=performer, priority="urgent")
    await triage(referrals, done["id"], "accepted")
    worklist = {
        "owner": performer,
        "code": "triage",
        "status": "ready",
        "business-status": "awaiting-triage",
        "due": "lt2100-01-01",
        "_sort": "due",
    }

    tasks = await _ids(referrals, "Task", worklist, clinician(referrals))
    urgent_only = await _ids(
        referrals, "Task", {**worklist, "priority": "urgent"}, clinician(referrals)
    )

    focus = {}
    for request in (routine, urgent):
        (task_id,) = await _ids(
            referrals, "Task", {"focus": f"ServiceRequest/{request['id']}"}, referrals.auth()
        )
        focus[request["id"]] = task_id
    assert tasks == [focus[urgent["id"]], focus[routine["id"]]]  # urgent is due first
    assert urgent_only == [focus[urgent["id"]]]


async def test_the_referrer_worklist_shows_what_awaits_the_practice(referrals: Referrals) -> None:
    waiting = await submit(referrals)
    await triage(referrals, waiting["id"], "information-requested", note="Weight?")
    await submit(referrals)
    practice = f"{ODS_SYSTEM}|{PRACTICE_A}"

    awaiting_me = await _ids(
        referrals,
        "ServiceRequest",
        {
            "requester:identifier": practice,
            "triage-state": "awaiting-information,awaiting-conversion-authorisation",
        },
        referrals.auth(),
    )
    my_tasks = await _ids(
        referrals,
        "Task",
        {
            "owner:identifier": practice,
            "status": "requested",
            "focus": f"ServiceRequest/{waiting['id']}",
        },
        referrals.auth(),
    )

    assert waiting["id"] in awaiting_me
    assert len(my_tasks) == 1
