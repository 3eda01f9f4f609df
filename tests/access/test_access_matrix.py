"""The access matrix (issue 13, acceptance): every route about a patient x every wrong user.

Generated from each service's own registry (`routes`): every type about a patient,
each interaction it declares, each search parameter, include and revinclude, old
versions of a record that moved to another patient, and each instance-level
operation. Each wrong user must get the exact refusal the contract gives (403 for a
scope refusal, 404 or a search without A's data for no relationship) and nothing of
patient A's; a refused change must change nothing. Beside each row, the legitimate
user must succeed with the seed, so no row passes because the route never worked.
A known leak is one strict xfail cell (`LEAKS`), so it stays visible until fixed.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.access.calls import for_unknown_id, prepare, send
from tests.access.conftest import Stacks
from tests.access.operation_calls import LEGIT_CALLER
from tests.access.routes import Route, all_routes
from tests.access.users import LEGIT_GP, LEGIT_SYSTEM, WRONG_USERS, User
from tests.access.verdicts import (
    expected_status,
    fingerprint,
    leaks,
    legit_problem,
    other_type,
)

LEAKS: dict[tuple[str, str], str] = {}
"""(route id, user name) -> what leaks: one strict xfail cell per leak found."""
DEVIATIONS: dict[tuple[str, str], str] = {
    ("referrals:delete:ServiceRequest", user): "contract: a caller without the 'd' scope "
    "gets 404 for a hidden request, not 403: the request's own delete handler reads it "
    "(scope 'r') before the store checks 'd' (referrals.service.requests.rest_write); "
    "nothing leaks, a visible one answers 403"
    for user in ("other-patient", "paramedic-no-call")
}
"""(route id, user name) -> a refusal that reveals nothing but is not the contract's."""
BROKEN_ROWS: dict[str, str] = {}
"""Route id -> why the legitimate user cannot succeed yet (a strict xfail too)."""

ROUTES = all_routes()
TWINNED = ("update", "patch", "delete", "operation", "vread-moved")
"""Rows whose refusals are also compared with the answer for an unknown id (writes and
operations must not tell a hidden record from a missing one: issue 13, finding 10;
an old version must read like a version that never was)."""


def matrix_size() -> tuple[int, int, int]:
    return len(ROUTES), len(WRONG_USERS), len(ROUTES) * len(WRONG_USERS)


def _cell(route: Route, user: User) -> Any:
    leak = LEAKS.get((route.id, user.name))
    reason = f"leak: {leak}" if leak else DEVIATIONS.get((route.id, user.name))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(route, user, id=f"{route.id}|{user.name}", marks=marks)


def _row(route: Route) -> Any:
    reason = BROKEN_ROWS.get(route.id)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(route, id=route.id, marks=marks)


@pytest.mark.parametrize(("route", "user"), [_cell(r, u) for r in ROUTES for u in WRONG_USERS])
async def test_a_wrong_user_gets_nothing_of_patient_a(
    stacks: Stacks, route: Route, user: User
) -> None:
    stack = await stacks.get(route.service)
    call = await prepare(stack, route, shared=True)
    other = other_type(stack, route)
    before = await fingerprint(stack, call.nhs) if call.changes else None

    response = await send(stack, call, user, other)

    assert response.status_code == expected_status(route, user, other), response.text
    assert response.json()["resourceType"] in ("OperationOutcome", "Bundle"), response.text
    assert leaks(response, call) == [], response.text
    if before is not None:
        assert await fingerprint(stack, call.nhs) == before, "a refused write changed A's records"
    if route.kind in TWINNED and response.status_code in (403, 404):
        twin = for_unknown_id(call)
        unknown = await send(stack, twin, user, other)
        assert (unknown.status_code, unknown.text.replace(twin.echo, "<id>")) == (
            response.status_code,
            response.text.replace(call.echo, "<id>"),
        ), "a refusal tells A's record from an unknown one"


@pytest.mark.parametrize("route", [_row(r) for r in ROUTES])
async def test_the_legitimate_user_succeeds_beside_each_row(stacks: Stacks, route: Route) -> None:
    stack = await stacks.get(route.service)
    call = await prepare(stack, route, shared=False)
    named = LEGIT_CALLER.get((route.service, route.detail))

    for user in [named] if named else [LEGIT_GP, LEGIT_SYSTEM]:
        response = await send(stack, call, user, other_type(stack, route))
        if legit_problem(route, call, response) is None:
            break

    assert legit_problem(route, call, response) is None, response.text


INCLUDE_LEAKS: dict[str, str] = {}  # includes are judged by their own type's rule now
"""Include route id -> an included resource the caller may not read directly."""


@pytest.mark.parametrize(
    "route",
    [
        pytest.param(
            r,
            id=r.id,
            marks=[pytest.mark.xfail(strict=True, reason=f"leak: {INCLUDE_LEAKS[r.id]}")]
            if r.id in INCLUDE_LEAKS
            else [],
        )
        for r in ROUTES
        if r.kind in ("include", "revinclude")
    ],
)
async def test_an_include_brings_only_what_the_caller_may_read_directly(
    stacks: Stacks, route: Route
) -> None:
    stack = await stacks.get(route.service)
    call = await prepare(stack, route, shared=True)
    response = await send(stack, call, LEGIT_GP, other_type(stack, route))
    auth = {"Authorization": f"Bearer {stack.token(LEGIT_GP, other_type(stack, route))}"}
    for entry in response.json().get("entry", []):
        found = entry["resource"]
        direct = await stack.request(
            "GET", f"/fhir/{found['resourceType']}/{found['id']}", headers=auth
        )
        assert direct.status_code == 200, (
            f"A's GP got {found['resourceType']} it reads as {direct.status_code}"
        )


def size_line() -> str:
    routes, users, cells = matrix_size()
    return f"{routes} routes x {users} users = {cells} cells (+ {routes} legitimate-user cells)"


@pytest.mark.parametrize("size", [size_line()])
def test_the_matrix_covers_every_service_and_interaction(size: str) -> None:
    """The matrix's size (in this test's id, and in the line `conftest` prints when
    `tests/access` is run), with a floor under it: a registry that stopped generating
    rows, or users dropped, would otherwise pass vacuously."""
    routes, users, cells = matrix_size()
    kinds = {r.kind for r in ROUTES}
    assert {r.service for r in ROUTES} == {"referrals", "care_plans", "mdt", "portal"}
    assert {"read", "vread", "history", "search", "include", "revinclude", "operation"} <= kinds
    assert users == 7
    assert cells == routes * users > 1000
