"""Who receives what: the partner's agreement and the patient's Consent decide, at the
moment the event is recorded and again at send time."""

from __future__ import annotations

import asyncio

from services.portal.tests.subscriptions import conftest as given
from services.portal.tests.subscriptions.receiver import Receiver
from services.portal.tests.subscriptions.test_delivery import active, created, failing_events

CONSENT = "system/Consent.cruds"


def consent_deny(nhs: str) -> dict[str, object]:
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"identifier": {"system": given.NHS, "value": nhs}},
        "policyRule": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTOUT"}
            ]
        },
        "provision": {"type": "deny"},
    }


async def test_partner_receives_only_patients_its_agreement_covers_and_consent_allows(
    live: given.Portal, receiver: Receiver
) -> None:
    other = Receiver()
    await other.start()
    try:
        mine = await created(live, given.subscription(receiver.url, given.new_secret()))
        theirs_body = given.subscription(other.url, given.new_secret())
        response = await live.subscribe(theirs_body, name="partner-b", agreement=given.PRACTICE_B)
        assert response.status_code == 201, response.text
        await active(live, mine)
        theirs = str(response.json()["id"])
        await active(live, theirs, name="partner-b", agreement=given.PRACTICE_B)
        hidden = await live.get(f"Subscription/{theirs}")  # another partner's: as if unknown
        assert hidden.status_code == 404
        listed = await live.get("Subscription")
        assert theirs not in listed.text
        at_a, at_b, withheld = (
            given.new_nhs_number(),
            given.new_nhs_number(),
            given.new_nhs_number(),
        )
        await live.register(
            (at_a, given.PRACTICE_A), (at_b, given.PRACTICE_B), (withheld, given.PRACTICE_A)
        )
        consent = await live.post(
            "Consent", consent_deny(withheld), name="consent-feed", agreement="*", scopes=CONSENT
        )
        assert consent.status_code == 201, consent.text
        await live.publish(
            live.settings.referrals_topic,
            given.triaged(at_a, "a1"),
            given.triaged(at_b, "b1"),
            given.triaged(withheld, "w1"),
        )
        await given.eventually(lambda: asyncio.sleep(0, receiver.of_kind("event-notification")))
        await given.eventually(lambda: asyncio.sleep(0, other.of_kind("event-notification")))
        await asyncio.sleep(1.0)  # anything else would have arrived by now

        def focuses(r: Receiver) -> list[str]:
            return [f.rsplit("/", 1)[1] for x in r.of_kind("event-notification") for f in x.focuses]

        assert focuses(receiver) == ["a1"]
        assert focuses(other) == ["b1"]
    finally:
        await other.stop()


async def test_consent_withheld_after_recording_stops_the_queued_delivery(
    live: given.Portal, receiver: Receiver
) -> None:
    _subscription_id, nhs, down = await failing_events(live, receiver, "queued")
    await given.eventually(
        lambda: asyncio.sleep(0, receiver.of_kind("event-notification", status=500))
    )
    consent = await live.post(
        "Consent", consent_deny(nhs), name="consent-feed", agreement="*", scopes=CONSENT
    )
    assert consent.status_code == 201, consent.text
    down[0] = False
    live.clock.advance(hours=1)
    await asyncio.sleep(1.5)
    assert receiver.of_kind("event-notification") == []


async def test_a_practice_registered_just_before_counts_for_the_events_after_it(
    live: given.Portal, receiver: Receiver
) -> None:
    """Published together, the registrations and care plan events are fetched and
    recorded as one run: the practice a registration names decides for what follows."""
    body = given.subscription(receiver.url, given.new_secret(), topic="careplan-revised")
    await active(live, await created(live, body))
    at_a, at_b = given.new_nhs_number(), given.new_nhs_number()

    def revised(nhs: str) -> object:
        return given.event("careplan.revised", nhs, carePlan=f"CarePlan/{nhs}-plan")

    await live.publish(
        live.settings.care_plans_topic,
        given.registered(at_a, given.PRACTICE_A),
        revised(at_a),
        given.registered(at_b, given.PRACTICE_B),
        revised(at_b),
        together=True,
    )
    await given.eventually(lambda: asyncio.sleep(0, receiver.of_kind("event-notification")))
    await asyncio.sleep(1.0)  # anything else would have arrived by now
    focuses = [f for x in receiver.of_kind("event-notification") for f in x.focuses]
    assert [f.rsplit("/", 1)[1] for f in focuses] == [f"{at_a}-plan"]
