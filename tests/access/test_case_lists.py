"""MDT case lists are for the MDT's members (issue 13, finding 8), by every path.

A case List names no patient, so the kernel's relationship filter does not guard it;
the MDT service checks membership itself. The matrix's users (`users.WRONG_USERS`)
each try to read, search (GET and POST `_search`) and page the history of a list
holding a case about a patient of P1; none may learn the list, or the id of the case
on it (a record of that patient's), and the MDT's chair, beside them, sees both.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.access.conftest import Stacks
from tests.access.operation_calls import mdt_case
from tests.access.stack import Stack
from tests.access.users import LEGIT_GP, WRONG_USERS, User

HOW = ("read", "history", "search", "post-search")
LEAKS: dict[tuple[str, str], str] = {}  # the system-client bypass is fixed
"""(how, user name) -> what leaks: one strict xfail cell per leak found."""


async def _listed(stack: Stack) -> tuple[str, str]:
    """(list id, case id): a case about a new patient of P1 on a case list (made once)."""
    if "case-list" not in stack.own:
        case, _nhs = await mdt_case(stack, listed=True)
        auth = {"Authorization": f"Bearer {stack.token(LEGIT_GP, '')}"}
        found = await stack.request("GET", "/fhir/List", params={"_count": "100"}, headers=auth)
        lists = [e["resource"] for e in found.json().get("entry", [])]
        holding = [x for x in lists if f"Task/{case}" in str(x.get("entry", []))]
        stack.own["case-list"] = (holding[0]["id"], case)
    return stack.own["case-list"]


async def _ask(stack: Stack, how: str, user: User, list_id: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {stack.token(user, 'CareTeam')}"}
    if how == "read":
        return await stack.request("GET", f"/fhir/List/{list_id}", headers=auth)
    if how == "history":
        return await stack.request("GET", f"/fhir/List/{list_id}/_history", headers=auth)
    if how == "search":
        return await stack.request("GET", "/fhir/List", params={"_id": list_id}, headers=auth)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    return await stack.request(
        "POST", "/fhir/List/_search", content=f"_id={list_id}", headers={**auth, **form}
    )


def _expected(how: str, user: User) -> int:
    if not user.may("List", "s" if "search" in how else "r", "CareTeam"):
        return 403
    return 200 if "search" in how else 404


def _cell(how: str, user: User) -> Any:
    leak = LEAKS.get((how, user.name))
    marks = [pytest.mark.xfail(strict=True, reason=f"leak: {leak}")] if leak else []
    return pytest.param(how, user, id=f"{how}|{user.name}", marks=marks)


@pytest.mark.parametrize(("how", "user"), [_cell(h, u) for h in HOW for u in WRONG_USERS])
async def test_a_case_list_is_hidden_from_everyone_but_its_mdt(
    stacks: Stacks, how: str, user: User
) -> None:
    stack = await stacks.get("mdt")
    list_id, case = await _listed(stack)

    refused = await _ask(stack, how, user, list_id)
    legit = await _ask(stack, how, LEGIT_GP, list_id)

    assert refused.status_code == _expected(how, user), refused.text
    assert refused.json()["resourceType"] in ("OperationOutcome", "Bundle")
    shown = str(refused.json().get("entry", "")) if "search" in how else refused.text
    assert case not in shown, refused.text
    assert list_id not in shown.replace(f"List/{list_id} is not known", ""), refused.text
    assert legit.status_code == 200, legit.text
    assert f"Task/{case}" in legit.text
