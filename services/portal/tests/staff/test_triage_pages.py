"""The triage clinician's pages over real HTTP, against the real referrals service.

Signed in through the real OIDC flow; the portal calls referrals with the clinician's
own token, so what the worklist holds is what referrals lets this clinician see.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from portal.service.bff.triage import WORKLIST_PAGE
from services.portal.tests.staff.conftest import (
    CARDIOLOGY,
    GP,
    OTHER_PRACTICE,
    TRIAGE,
    StaffStack,
    ask,
    service,
    signed_in,
    unique,
)
from services.portal.tests.web.conftest import csrf_token


async def test_the_worklist_shows_the_services_requests_due_first_with_the_clock(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    question = unique("Chest pain on exertion, ECG attached?")
    request_id = await ask(seeded, GP.organisation, seeded.cardiology, question)
    elsewhere = unique("Joint pain question")
    await ask(seeded, GP.organisation, seeded.rheumatology, elsewhere)
    clinician = await signed_in(browser_client, seeded, "triage-clinician")

    page = await clinician.get("/triage")

    assert page.status_code == 200, page.text
    assert question in page.text
    assert f'href="/triage/requests/{request_id}"' in page.text
    assert elsewhere not in page.text, "another trust's service is not on this worklist"
    assert "Overdue" in page.text, "submitted in March 2026, ten working days long past"
    filtered = await clinician.get("/triage", priority="urgent")
    assert question not in filtered.text


async def test_advice_given_reaches_the_gps_page(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    request_id = await ask(seeded, GP.organisation, seeded.cardiology, unique("Murmur?"))
    clinician = await signed_in(browser_client, seeded, "triage-clinician")
    page = await clinician.get(f"/triage/requests/{request_id}")
    assert page.status_code == 200, page.text

    sent = await clinician.post(f"/triage/requests/{request_id}/outcome", {
        "version": _version(page.text), "outcome": "advice-given",
        "note": "Echo in primary care, then refer if abnormal.",
    })  # fmt: skip

    assert sent.status_code == 303, sent.text
    async with httpx.AsyncClient() as client:
        gp = await signed_in(client, seeded, "gp")
        seen = await gp.get(f"/advice/{request_id}")
    assert seen.status_code == 200
    assert "Echo in primary care, then refer if abnormal." in seen.text
    assert "Advice given" in seen.text


async def test_a_second_clinician_deciding_late_is_told_and_keeps_their_words(
    seeded: StaffStack,
) -> None:
    request_id = await ask(seeded, GP.organisation, seeded.cardiology, unique("Palpitations"))
    async with httpx.AsyncClient() as one, httpx.AsyncClient() as other:
        first = await signed_in(one, seeded, "triage-clinician")
        second = await signed_in(other, seeded, "triage-clinician")
        path = f"/triage/requests/{request_id}"
        versions = [_version((await first.get(path)).text), _version((await second.get(path)).text)]
        accepted = await first.post(
            f"{path}/outcome", {"version": versions[0], "outcome": "accepted"}
        )
        late = await second.post(f"{path}/outcome", {
            "version": versions[1], "outcome": "advice-given", "note": "My carefully typed advice",
        })  # fmt: skip
    assert accepted.status_code == 303
    assert late.status_code == 409
    assert "Someone else triaged this request first" in late.text
    assert "My carefully typed advice" in late.text, "what was typed is never lost"
    assert "Accepted" in late.text


async def test_missing_fields_are_explained_and_nothing_is_sent(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    request_id = await ask(seeded, GP.organisation, seeded.cardiology, unique("Syncope"))
    clinician = await signed_in(browser_client, seeded, "triage-clinician")
    path = f"/triage/requests/{request_id}"
    await clinician.get(path)
    rejected = await clinician.post(f"{path}/outcome", {"outcome": "rejected"})
    redirected = await clinician.post(f"{path}/outcome", {"outcome": "redirected"})
    assert rejected.status_code == 400
    assert "Choose a reason for rejecting the request" in rejected.text
    assert redirected.status_code == 400
    assert "Choose the service to redirect the request to" in redirected.text
    still = await clinician.get(path)
    assert "Provider response required" in still.text


async def test_redirect_and_reject_with_a_coded_reason_are_recorded(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    moved = await ask(seeded, GP.organisation, seeded.cardiology, unique("Really joints"))
    refused = await ask(seeded, GP.organisation, seeded.cardiology, unique("Duplicate"))
    clinician = await signed_in(browser_client, seeded, "triage-clinician")
    for request_id, decision in (
        (moved, {"outcome": "redirected", "redirect_to": seeded.rheumatology}),
        (refused, {"outcome": "rejected", "reason": "duplicate"}),
    ):
        await clinician.get(f"/triage/requests/{request_id}")
        sent = await clinician.post(f"/triage/requests/{request_id}/outcome", decision)
        assert sent.status_code == 303, sent.text
    assert "Redirected" in (await clinician.get(f"/triage/requests/{moved}")).text
    assert "Rejected" in (await clinician.get(f"/triage/requests/{refused}")).text


async def test_another_practices_request_looks_like_one_that_does_not_exist(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    theirs = await ask(seeded, OTHER_PRACTICE, seeded.cardiology, unique("Not yours"))
    gp = await signed_in(browser_client, seeded, "gp")
    other = await gp.get(f"/advice/{theirs}")
    missing = await gp.get("/advice/no-such-request")
    assert other.status_code == missing.status_code == 404
    assert _without_token(other.text) == _without_token(missing.text)
    assert "Not yours" not in other.text


def _without_token(page: str) -> str:
    return page.replace(csrf_token(page), "") if 'name="csrf_token"' in page else page


def _version(page: str) -> str:
    """The request's version the page's decision form carries."""
    return page.split('name="version" value="')[1].split('"')[0]


async def test_a_long_worklist_comes_a_page_at_a_time_soonest_due_first(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    name = unique("Paging cardiology A&G")
    async with httpx.AsyncClient(base_url=f"{seeded.referrals_url}/fhir") as client:
        made = await client.post(
            "/HealthcareService",
            json=service(str(TRIAGE.organisation), CARDIOLOGY, name),
            headers=seeded.token("system", None),
        )
    assert made.status_code == 201, made.text
    today = datetime.now(UTC).isoformat(timespec="seconds")  # due after the other tests'
    asked = [
        await ask(seeded, GP.organisation, made.json()["id"], unique(f"Question {n}"), today)
        for n in range(WORKLIST_PAGE + 2)
    ]
    clinician = await signed_in(browser_client, seeded, "triage-clinician")

    first = await clinician.get("/triage", service=made.json()["id"])

    assert first.status_code == 200, first.text
    assert f"{WORKLIST_PAGE} requests shown, soonest due first" in first.text
    shown = [r for r in asked if f'href="/triage/requests/{r}"' in first.text]
    assert len(shown) == WORKLIST_PAGE
    following = first.text.split(f'">Next {WORKLIST_PAGE} requests</a>')[0].rsplit('href="', 1)[1]
    second = await clinician.get(following.replace("&amp;", "&"))
    assert second.status_code == 200, second.text
    rest = [r for r in asked if f'href="/triage/requests/{r}"' in second.text]
    assert sorted(shown + rest) == sorted(asked), "every request once, on one page or the next"
    assert "Back to the soonest due" in second.text
    assert f"Next {WORKLIST_PAGE} requests" not in second.text


async def test_a_worklist_page_cursor_that_is_not_one_is_answered_not_failed(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    clinician = await signed_in(browser_client, seeded, "triage-clinician")
    for after in ("not a cursor!", "bm90LWEtY3Vyc29y"):
        page = await clinician.get("/triage", after=after)
        assert page.status_code == 200, page.text
