"""The triage clinician's pages over real HTTP, against the real referrals service.

Signed in through the real OIDC flow; the portal calls referrals with the clinician's
own token, so what the worklist holds is what referrals lets this clinician see.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from portal.service.bff.triage import WORKLIST_PAGE
from services.portal.tests.staff.conftest import (
    CARDIOLOGY,
    GP,
    OTHER_PRACTICE,
    TRIAGE,
    StaffStack,
    ask,
    csrf_token,
    service,
    sign_in,
    unique,
)

pytestmark = pytest.mark.usefixtures("seeded")


async def test_the_worklist_shows_the_services_requests_due_first_with_the_clock(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    question = unique("Chest pain on exertion, ECG attached?")
    request_id = await ask(seeded, GP.organisation, seeded.cardiology, question)
    elsewhere = unique("Joint pain question")
    await ask(seeded, GP.organisation, seeded.rheumatology, elsewhere)
    await sign_in(browser_client, seeded, "triage-clinician")

    page = await browser_client.get(f"{seeded.portal_url}/triage")

    assert page.status_code == 200, page.text
    assert question in page.text
    assert f'href="/triage/requests/{request_id}"' in page.text
    assert elsewhere not in page.text, "another trust's service is not on this worklist"
    assert "Overdue" in page.text, "submitted in March 2026, ten working days long past"
    filtered = await browser_client.get(
        f"{seeded.portal_url}/triage", params={"priority": "urgent"}
    )
    assert question not in filtered.text


async def test_advice_given_reaches_the_gps_page(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    request_id = await ask(seeded, GP.organisation, seeded.cardiology, unique("Murmur?"))
    await sign_in(browser_client, seeded, "triage-clinician")
    page = await browser_client.get(f"{seeded.portal_url}/triage/requests/{request_id}")
    assert page.status_code == 200, page.text
    version = page.text.split('name="version" value="')[1].split('"')[0]

    sent = await browser_client.post(
        f"{seeded.portal_url}/triage/requests/{request_id}/outcome",
        data={
            "csrf_token": csrf_token(page.text),
            "version": version,
            "outcome": "advice-given",
            "note": "Echo in primary care, then refer if abnormal.",
        },
    )

    assert sent.status_code == 303, sent.text
    async with httpx.AsyncClient() as gp:
        await sign_in(gp, seeded, "gp")
        seen = await gp.get(f"{seeded.portal_url}/advice/{request_id}")
    assert seen.status_code == 200
    assert "Echo in primary care, then refer if abnormal." in seen.text
    assert "Advice given" in seen.text


async def test_a_second_clinician_deciding_late_is_told_and_keeps_their_words(
    seeded: StaffStack,
) -> None:
    request_id = await ask(seeded, GP.organisation, seeded.cardiology, unique("Palpitations"))
    async with httpx.AsyncClient() as first, httpx.AsyncClient() as second:
        await sign_in(first, seeded, "triage-clinician")
        await sign_in(second, seeded, "triage-clinician")
        url = f"{seeded.portal_url}/triage/requests/{request_id}"
        pages = [await first.get(url), await second.get(url)]
        forms = [
            {
                "csrf_token": csrf_token(p.text),
                "version": p.text.split('name="version" value="')[1].split('"')[0],
            }
            for p in pages
        ]
        accepted = await first.post(f"{url}/outcome", data=forms[0] | {"outcome": "accepted"})
        late = await second.post(
            f"{url}/outcome",
            data=forms[1] | {"outcome": "advice-given", "note": "My carefully typed advice"},
        )
    assert accepted.status_code == 303
    assert late.status_code == 409
    assert "Someone else triaged this request first" in late.text
    assert "My carefully typed advice" in late.text, "what was typed is never lost"
    assert "Accepted" in late.text


async def test_missing_fields_are_explained_and_nothing_is_sent(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    request_id = await ask(seeded, GP.organisation, seeded.cardiology, unique("Syncope"))
    await sign_in(browser_client, seeded, "triage-clinician")
    url = f"{seeded.portal_url}/triage/requests/{request_id}"
    page = await browser_client.get(url)
    form = {"csrf_token": csrf_token(page.text)}
    rejected = await browser_client.post(f"{url}/outcome", data=form | {"outcome": "rejected"})
    redirected = await browser_client.post(f"{url}/outcome", data=form | {"outcome": "redirected"})
    assert rejected.status_code == 400
    assert "Choose a reason for rejecting the request" in rejected.text
    assert redirected.status_code == 400
    assert "Choose the service to redirect the request to" in redirected.text
    still = await browser_client.get(url)
    assert "Provider response required" in still.text


async def test_redirect_and_reject_with_a_coded_reason_are_recorded(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    moved = await ask(seeded, GP.organisation, seeded.cardiology, unique("Really joints"))
    refused = await ask(seeded, GP.organisation, seeded.cardiology, unique("Duplicate"))
    await sign_in(browser_client, seeded, "triage-clinician")
    for request_id, decision in (
        (moved, {"outcome": "redirected", "redirect_to": seeded.rheumatology}),
        (refused, {"outcome": "rejected", "reason": "duplicate"}),
    ):
        url = f"{seeded.portal_url}/triage/requests/{request_id}"
        page = await browser_client.get(url)
        sent = await browser_client.post(
            f"{url}/outcome", data={"csrf_token": csrf_token(page.text)} | decision
        )
        assert sent.status_code == 303, sent.text
    assert (
        "Redirected"
        in (await browser_client.get(f"{seeded.portal_url}/triage/requests/{moved}")).text
    )
    assert (
        "Rejected"
        in (await browser_client.get(f"{seeded.portal_url}/triage/requests/{refused}")).text
    )


async def test_a_gp_cannot_use_the_triage_pages(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    await sign_in(browser_client, seeded, "gp")
    page = await browser_client.get(f"{seeded.portal_url}/triage")
    assert page.status_code == 403
    assert "You cannot use this page" in page.text


async def test_another_practices_request_looks_like_one_that_does_not_exist(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    theirs = await ask(seeded, OTHER_PRACTICE, seeded.cardiology, unique("Not yours"))
    await sign_in(browser_client, seeded, "gp")
    other = await browser_client.get(f"{seeded.portal_url}/advice/{theirs}")
    missing = await browser_client.get(f"{seeded.portal_url}/advice/no-such-request")
    assert other.status_code == missing.status_code == 404
    assert _without_token(other.text) == _without_token(missing.text)
    assert "Not yours" not in other.text


def _without_token(page: str) -> str:
    return page.replace(csrf_token(page), "") if 'name="csrf_token"' in page else page


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
    await sign_in(browser_client, seeded, "triage-clinician")

    first = await browser_client.get(
        f"{seeded.portal_url}/triage", params={"service": made.json()["id"]}
    )

    assert first.status_code == 200, first.text
    assert f"{WORKLIST_PAGE} requests shown, soonest due first" in first.text
    shown = [r for r in asked if f'href="/triage/requests/{r}"' in first.text]
    assert len(shown) == WORKLIST_PAGE
    following = first.text.split(f'">Next {WORKLIST_PAGE} requests</a>')[0].rsplit('href="', 1)[1]
    second = await browser_client.get(f"{seeded.portal_url}{following.replace('&amp;', '&')}")
    assert second.status_code == 200, second.text
    rest = [r for r in asked if f'href="/triage/requests/{r}"' in second.text]
    assert sorted(shown + rest) == sorted(asked), "every request once, on one page or the next"
    assert "Back to the soonest due" in second.text
    assert f"Next {WORKLIST_PAGE} requests" not in second.text


async def test_a_worklist_page_cursor_that_is_not_one_is_answered_not_failed(
    seeded: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    await sign_in(browser_client, seeded, "triage-clinician")
    for after in ("not a cursor!", "bm90LWEtY3Vyc29y"):
        page = await browser_client.get(f"{seeded.portal_url}/triage", params={"after": after})
        assert page.status_code == 200, page.text
