"""What each cell must answer, and how a leak is recognised.

The contract (architecture, "Security model"; issue 13): a caller whose scopes do not
allow the interaction gets 403; one whose scopes allow it but who has no relationship
with the patient gets exactly what an unknown id gets (404), or a search with none of
the patient's data in it (200); creating a record about such a patient is refused
(403). A leak is patient A's NHS number, or the id of a record that is A's alone,
anywhere in what a wrong caller receives (a refusal may name the id it was asked for).
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import sqlalchemy as sa

from carecoord_shared.store.tables import resource
from tests.access.calls import Call
from tests.access.operation_calls import REFUSED_WITH
from tests.access.routes import Route
from tests.access.stack import Stack
from tests.access.users import User

SEARCHES = ("search", "include", "revinclude", "type-history")


def other_type(stack: Stack, route: Route) -> str:
    """The one type a narrowly-scoped token names: the type a revinclude searches (so
    only the included type is outside the scope), else any other type served."""
    if route.kind == "revinclude" and route.searched_type != route.resource_type:
        return route.searched_type
    needed = {t for t, _ in route.scope_needs()}
    return next(d.type for d in stack.registry.all() if d.type not in needed)


def expected_status(route: Route, user: User, other: str) -> int:
    if not all(user.may(t, letter, other) for t, letter in route.scope_needs()):
        return 403
    if route.kind == "create":
        return 403
    if route.kind == "operation":
        return REFUSED_WITH.get((route.service, route.detail), 404)
    if route.kind in SEARCHES or (route.kind == "history-moved" and user.sees_b):
        return 200
    return 404


def _entries_text(body: dict[str, Any]) -> str:
    return orjson.dumps(body.get("entry", [])).decode()


def leaks(response: httpx.Response, call: Call) -> list[str]:
    """Patient A's data in `response`: their NHS number, or the id of A's record."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("resourceType") == "Bundle":
        text = _entries_text(body)
    else:
        text = response.text.replace(call.echo, "<asked-for>") if call.echo else response.text
    secrets = [call.nhs] + ([call.expect_id] if call.secret_id and call.expect_id else [])
    return [secret for secret in secrets if secret in text]


def returned_ids(response: httpx.Response) -> list[str]:
    body = response.json()
    return [str(e.get("resource", {}).get("id")) for e in body.get("entry", [])]


async def fingerprint(stack: Stack, nhs: str) -> tuple[int, int]:
    """How many records are about `nhs`, and their versions summed: any write changes it."""
    query = sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(resource.c.version_id), 0)
    ).where(resource.c.patient_nhs == nhs)
    async with stack.engine.connect() as conn:
        row = (await conn.execute(query)).one()
    return int(row[0]), int(row[1])


def legit_problem(route: Route, call: Call, response: httpx.Response) -> str | None:
    """Why the legitimate caller's answer is not the success the row needs (None: it is)."""
    if route.kind in ("create", "update", "patch", "delete", "operation"):
        return None if response.status_code == route.success_status() else "refused"
    if response.status_code != 200:
        return "refused"
    if route.kind in SEARCHES:
        wanted = {call.expect_id, call.included_id} - {""}
        return None if wanted <= set(returned_ids(response)) else "seed not returned"
    if call.nhs not in response.text or call.expect_id not in response.text:
        return "the seed's content is missing"
    return None
