"""One cell of the matrix as an HTTP request, and what its answer may contain.

`prepare` turns a route into the request a caller makes (search values are taken from
the seed's own body by the kernel's indexer, so each parameter is searched with a
value that matches the seed) and says which strings are patient A's (their NHS number,
the seed's id) and which id the legitimate caller must get back. Routes that change
things act on a seed of their own, about a new patient of P1, so a refused change can
be checked for having changed nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from carecoord_devstack.testing import new_nhs_number
from carecoord_shared.fhir.registry import SearchParam
from carecoord_shared.store.indexing import rows_for_param
from tests.access.bodies import about
from tests.access.operation_calls import operation_call
from tests.access.routes import Route
from tests.access.stack import Stack
from tests.access.users import User


@dataclass(slots=True)
class Call:
    method: str
    path: str
    nhs: str
    """Patient A of this cell."""
    expect_id: str
    """The id the legitimate caller must get back (and the wrong ones must not)."""
    params: list[tuple[str, str]] = field(default_factory=list)
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    echo: str = ""
    """The id in the URL: a refusal may name what was asked for."""
    secret_id: bool = True
    """Whether `expect_id` is A's alone (not a record that now belongs to B)."""
    changes: str | None = None
    """The type of the record a write targets (checked unchanged after a refusal)."""
    included_id: str = ""
    """What an `_include` must bring the legitimate caller beside the seed."""


def search_value(param: SearchParam, body: dict[str, Any]) -> tuple[str, str]:
    """A `(key, value)` that finds `body` by `param`, from the kernel's own index rows."""
    rows = list(rows_for_param(param, body))
    plain = [r for r in rows if r.param == param.name] or rows
    if not plain:
        return f"{param.name}:missing", "true"
    row = plain[0]
    if param.type == "date":
        assert row.lo is not None
        return row.param, f"ge{row.lo.date().isoformat()}"
    if param.type == "string":
        return row.param, str(row.exact)[:30]
    value = f"{row.system}|{row.value}" if row.system else str(row.value)
    return row.param, value


def _instance(stack: Stack, route: Route, suffix: str, seed_key: str) -> Call:
    seed = stack.seeds[seed_key]
    moved = seed_key.startswith("moved:")
    path = f"/fhir/{route.resource_type}/{seed}{suffix}"
    return Call("GET", path, stack.nhs["A"], seed, echo=seed, secret_id=not moved)


async def _search(stack: Stack, route: Route) -> Call:
    seed, t = stack.seeds[route.resource_type], route.resource_type
    definition = stack.registry.get(t)
    assert definition is not None
    included = ""
    if route.kind == "include":
        params = [("_id", seed), ("_include", f"{t}:{route.detail}")]
        included = stack.refs_to_targets(t).get(route.detail, "/").split("/")[1]
    elif route.detail == "_id":
        params = [("_id", seed)]
    else:
        param = definition.param(route.detail)
        assert param is not None
        params = [search_value(param, stack.bodies[seed])]
    call = Call("GET", f"/fhir/{t}", stack.nhs["A"], seed, [*params, ("_count", "100")])
    call.included_id = included
    return call


async def _revinclude(stack: Stack, route: Route) -> Call:
    name, target = route.detail.split("@")
    key = f"revinclude:{route.resource_type}:{route.detail}"
    if key not in stack.seeds:
        refs = {name: f"{target}/{stack.targets[target]}"}
        stack.seeds[key] = await stack.seed(route.resource_type, stack.nhs["A"], refs)
    params = [("_id", stack.targets[target]), ("_revinclude", f"{route.resource_type}:{name}")]
    return Call("GET", f"/fhir/{target}", stack.nhs["A"], stack.seeds[key], params)


async def _own_seed(stack: Stack, route: Route, shared: bool) -> tuple[str, str]:
    """A seed about a new patient of P1: one per row for the refused callers (a refused
    write changes nothing, which each cell checks), a new one for each legitimate call."""
    if shared and route.id in stack.own:
        return stack.own[route.id]
    nhs = await stack.fresh_patient()
    seed = "" if route.kind == "create" else await stack.seed(route.resource_type, nhs)
    if shared:
        stack.own[route.id] = (seed, nhs)
    return seed, nhs


async def _write(stack: Stack, route: Route, shared: bool) -> Call:
    t = route.resource_type
    seed, nhs = await _own_seed(stack, route, shared)
    if route.kind == "create":
        return Call("POST", f"/fhir/{t}", nhs, "", body=about(t, nhs), changes=t)
    path, headers = f"/fhir/{t}/{seed}", {"If-Match": 'W/"1"'}
    call = Call(route.kind.upper(), path, nhs, seed, headers=headers, echo=seed, changes=t)
    if route.kind == "update":
        call.method, call.body = "PUT", {**stack.bodies[seed], "id": seed}
    elif route.kind == "patch":
        call.body = [{"op": "add", "path": "/language", "value": "en-GB"}]
        call.headers["Content-Type"] = "application/json-patch+json"
    return call


async def _operation(stack: Stack, route: Route, shared: bool) -> Call:
    cached = stack.invocations.get(route.id) if shared else None
    invoked = cached or await operation_call(stack, route.resource_type, route.detail)
    if shared and invoked.changes:
        stack.invocations[route.id] = invoked
    path = f"/fhir/{route.resource_type}/{invoked.resource_id}/${route.detail}"
    method = "GET" if invoked.body is None else "POST"
    changes = route.resource_type if invoked.changes else None
    call = Call(method, path, invoked.nhs, invoked.resource_id, body=invoked.body, changes=changes)
    call.echo = invoked.resource_id
    return call


async def _type_history(stack: Stack, route: Route) -> Call:
    """The newest version of the type is about A, so a leak could not hide past `_count`."""
    key = f"newest:{route.resource_type}"
    if key not in stack.seeds:
        stack.seeds[key] = await stack.seed(route.resource_type, stack.nhs["A"])
    path = f"/fhir/{route.resource_type}/_history"
    return Call("GET", path, stack.nhs["A"], stack.seeds[key], [("_count", "100")])


INSTANCE = {
    "read": ("", ""),
    "vread": ("/_history/1", ""),
    "history": ("/_history", ""),
    "vread-moved": ("/_history/1", "moved:"),
    "history-moved": ("/_history", "moved:"),
}


async def prepare(stack: Stack, route: Route, *, shared: bool) -> Call:
    """The request of one cell; `shared`: a refused caller's, who may share a changing
    row's target with the row's other refused callers."""
    if route.kind in INSTANCE:
        suffix, prefix = INSTANCE[route.kind]
        return _instance(stack, route, suffix, f"{prefix}{route.resource_type}")
    if route.kind in ("search", "include"):
        return await _search(stack, route)
    if route.kind == "revinclude":
        return await _revinclude(stack, route)
    if route.kind == "type-history":
        return await _type_history(stack, route)
    if route.kind == "operation":
        return await _operation(stack, route, shared)
    return await _write(stack, route, shared)


async def send(stack: Stack, call: Call, user: User, other_type: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {stack.token(user, other_type)}", **call.headers}
    return await stack.request(
        call.method, call.path, params=call.params, json=call.body, headers=headers
    )


def for_unknown_id(call: Call) -> Call:
    """The same call on an id nothing has (an NHS number on no register, for a patient
    named by NHS number): a refusal must read exactly like its answer."""
    unknown = new_nhs_number() if call.echo.isdigit() else str(uuid.uuid4())
    body = orjson.loads(orjson.dumps(call.body).decode().replace(call.echo, unknown))
    twin = Call(call.method, call.path.replace(call.echo, unknown), call.nhs, "", body=body)
    twin.params, twin.headers, twin.echo = call.params, call.headers, unknown
    return twin
