"""The indicators page over real HTTP against the real care plans service: each area's
bars carry the same numbers care_plans' MeasureReports give, as SVG and as a table."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from services.portal.tests.staff.conftest import GP, StaffStack, on_caseload, signed_in


async def _report(stack: StaffStack, code: str, subject: str) -> tuple[int, int]:
    today = datetime.now(UTC).date()
    query = {
        "periodStart": (today - timedelta(days=365)).isoformat(),
        "periodEnd": today.isoformat(),
    }
    if subject:
        query["subject"] = subject
    async with httpx.AsyncClient(base_url=f"{stack.care_plans_url}/fhir") as client:
        found = await client.get(
            f"/Measure/{code}/$evaluate-measure", params=query, headers=stack.token("system", None)
        )
    assert found.status_code == 200, found.text
    counts = {
        p["code"]["coding"][0]["code"]: p["count"] for p in found.json()["group"][0]["population"]
    }
    return counts["numerator"], counts["denominator"]


async def test_the_practice_and_system_bars_carry_care_plans_own_figures(
    with_care_plans: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    stack = with_care_plans
    await on_caseload(stack, "Counted")
    coordinator = await signed_in(browser_client, stack, "care-coordinator")

    page = await coordinator.get("/indicators", locality="north")

    assert page.status_code == 200, page.text
    assert "Your practice (Bridge Street Surgery)" in page.text
    assert "Locality north" in page.text
    for code in ("G1", "G2", "G3"):
        met, eligible = await _report(stack, code, f"Organization/{GP.organisation}")
        assert eligible >= 1
        label = re.search(rf'aria-label="({code} [^"]*)"', page.text)
        assert label is not None
        assert f"{met} of {eligible}" in label.group(1)
    assert page.text.count('class="portal-bar"') == 9  # three areas, three bars each
    assert page.text.count("The figures behind the chart") == 3


async def test_a_locality_code_that_is_not_one_is_ignored(
    with_care_plans: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    coordinator = await signed_in(browser_client, with_care_plans, "care-coordinator")
    page = await coordinator.get("/indicators", locality="<b>x")
    assert page.status_code == 200, page.text
    assert "Locality" not in page.text.split("<h2", 1)[-1].split("Whole system")[0]
    assert "<b>x" not in page.text
