"""Bad requests get the right status and an OperationOutcome, write nothing, and never 500.

Every case is sent over HTTP to the referrals app on the real database; the resource
and version tables are counted before and after, so a refused request that still
wrote something fails here even if its answer looks right.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from services.referrals.tests.bodies import (
    FHIR_JSON,
    invalid_nhs_number,
    service_request,
)
from services.referrals.tests.conftest import (
    Referrals,
    new_nhs_number,
    outcome_expressions,
)
from services.referrals.tests.flows import assert_outcome, written


@dataclass(frozen=True, slots=True)
class Known:
    """Resources the cases point at: one at version 2, one deleted."""

    current: dict[str, Any]
    deleted_id: str


@pytest.fixture(scope="module")
async def known(referrals: Referrals) -> Known:
    created = await referrals.create(service_request(new_nhs_number()))
    url = f"/fhir/ServiceRequest/{created['id']}"
    revised = await referrals.client.put(
        url, json={**created, "priority": "urgent"}, headers=referrals.write_headers()
    )
    assert revised.status_code == 200
    doomed = await referrals.create(service_request(new_nhs_number()))
    gone = await referrals.client.delete(
        f"/fhir/ServiceRequest/{doomed['id']}", headers=referrals.auth()
    )
    assert gone.status_code == 204
    return Known(revised.json(), doomed["id"])


Send = Callable[[Referrals, Known], Awaitable[httpx.Response]]


def _post(body: Any, *, content_type: str = FHIR_JSON, path: str = "ServiceRequest") -> Send:
    async def send(referrals: Referrals, _known: Known) -> httpx.Response:
        content = body if isinstance(body, bytes) else orjson.dumps(body)
        headers = {**referrals.auth(), "Content-Type": content_type}
        return await referrals.client.post(f"/fhir/{path}", content=content, headers=headers)

    return send


def _put_current(change: dict[str, Any], if_match: str | None = None) -> Send:
    async def send(referrals: Referrals, known: Known) -> httpx.Response:
        headers = [(k.encode(), v.encode()) for k, v in referrals.write_headers().items()]
        if if_match is not None:
            headers.append((b"If-Match", if_match.encode("latin-1")))  # bytes as on the wire
        return await referrals.client.put(
            f"/fhir/ServiceRequest/{known.current['id']}",
            json={**known.current, **change},
            headers=headers,
        )

    return send


def _get(path: str, headers: Callable[[Referrals], dict[str, str]] | None = None) -> Send:
    async def send(referrals: Referrals, known: Known) -> httpx.Response:
        url = path.format(current=known.current["id"], deleted=known.deleted_id)
        return await referrals.client.get(
            url, headers=referrals.auth() if headers is None else headers(referrals)
        )

    return send


def _missing_intent() -> dict[str, Any]:
    body = service_request(new_nhs_number())
    del body["intent"]
    return body


def _bad_check_digit() -> dict[str, Any]:
    return service_request(invalid_nhs_number(new_nhs_number()))


CASES = [
    pytest.param(_post(b'{"resourceType": "ServiceRequest",'), 400, "structure", None,
                 id="malformed-json"),
    pytest.param(_post(b"[]"), 400, "structure", None, id="json-array-body"),
    pytest.param(_post(b""), 400, "required", None, id="empty-body"),
    pytest.param(_post({"resourceType": "Task", "status": "requested", "intent": "order"}),
                 400, "invalid", "resourceType", id="wrong-resource-type-for-endpoint"),
    pytest.param(_post({"resourceType": "Referral", "status": "active"}),
                 400, "invalid", "resourceType", id="unknown-resource-type-in-body"),
    pytest.param(_post({"status": "active"}), 400, "required", "resourceType",
                 id="no-resource-type"),
    pytest.param(_post(_missing_intent()), 400, "required", "ServiceRequest.intent",
                 id="missing-required-element"),
    pytest.param(_post({**service_request(new_nhs_number()), "triageNotes": "x"}),
                 400, "structure", "ServiceRequest.triageNotes", id="unknown-element"),
    pytest.param(_post(_bad_check_digit()), 400, "value",
                 "ServiceRequest.subject.identifier.value", id="invalid-nhs-number"),
    pytest.param(_post(service_request(new_nhs_number()), content_type="text/plain"),
                 415, "not-supported", None, id="unsupported-media-type"),
    pytest.param(_post({"resourceType": "Referral"}, path="Referral"), 404, "not-supported",
                 None, id="unknown-resource-type-route-create"),
    pytest.param(_get("/fhir/Referral"), 404, "not-supported", None,
                 id="unknown-resource-type-route-search"),
    pytest.param(_get("/fhir/Patient/p1"), 404, "not-supported", None,
                 id="fhir-type-this-service-does-not-serve"),
    pytest.param(_get("/fhir/ServiceRequest/no-such-request"), 404, "not-found", None,
                 id="unknown-id"),
    pytest.param(_get("/fhir/ServiceRequest/no-such-request/_history/1"), 404, "not-found",
                 None, id="unknown-id-vread"),
    pytest.param(_get("/fhir/ServiceRequest/{current}/_history/9"), 404, "not-found", None,
                 id="unknown-version"),
    pytest.param(_get("/fhir/ServiceRequest/{current}/_history/v1"), 400, "value", None,
                 id="version-not-a-number"),
    pytest.param(_get("/fhir/ServiceRequest/{deleted}"), 410, "deleted", None,
                 id="deleted-resource"),
    pytest.param(_get("/fhir/ServiceRequest?colour=red",
                      lambda r: {**r.auth(), "Prefer": "handling=strict"}),
                 400, "not-supported", None, id="unknown-search-param-strict"),
    pytest.param(_get("/fhir/ServiceRequest?authored=yesterday"), 400, "value", "authored",
                 id="date-search-not-a-date"),
    pytest.param(_get("/fhir/ServiceRequest?_sort=colour"), 400, "not-supported", "_sort",
                 id="unsupported-sort"),
    pytest.param(_get("/fhir/ServiceRequest?_cursor=not-a-cursor"), 400, "value", "_cursor",
                 id="tampered-cursor"),
    pytest.param(_put_current({}, 'W/"1"'), 412, "conflict", None,
                 id="stale-if-match"),
    pytest.param(_put_current({}, "version-one"), 400, "value", "If-Match",
                 id="bad-if-match-format"),
    pytest.param(_put_current({"id": "some-other-id"}), 400, "invalid", "ServiceRequest.id",
                 id="put-id-differs-from-url"),
    pytest.param(_get("/fhir/ServiceRequest/{current}", lambda r: {}), 401, "login", None,
                 id="no-token"),
    pytest.param(_get("/fhir/ServiceRequest/{current}",
                      lambda r: {"Authorization": "Bearer not.a.jwt"}),
                 401, "login", None, id="malformed-token"),
    pytest.param(_get("/fhir/ServiceRequest/{current}", lambda r: r.auth("admin")),
                 403, "forbidden", None, id="token-without-read-scope"),
]  # fmt: skip


@pytest.mark.parametrize(("send", "status", "code", "expression"), CASES)
async def test_a_bad_request_is_refused_with_an_outcome_and_writes_nothing(
    referrals: Referrals,
    known: Known,
    send: Send,
    status: int,
    code: str,
    expression: str | None,
) -> None:
    before = await written(referrals)

    response = await send(referrals, known)

    assert_outcome(response, status, code)
    if expression is not None:
        assert expression in outcome_expressions(response)
    assert await written(referrals) == before


# -- never a 500 ---------------------------------------------------------------------------
async def _search(referrals: Referrals, known: Known, **params: str) -> httpx.Response:
    return await referrals.client.get(
        "/fhir/ServiceRequest", params=params, headers=referrals.auth()
    )


NASTY: list[Any] = [
    pytest.param(lambda r, k: _search(r, k, _count="ten"), 400, id="count-word"),
    pytest.param(lambda r, k: _search(r, k, _include="*"), 400, id="include-star"),
    pytest.param(lambda r, k: _search(r, k, **{"subject:missing": "true"}), 200,
                 id="missing-modifier"),
    pytest.param(lambda r, k: _search(r, k, _id=",".join(map(str, range(50)))), 200,
                 id="fifty-ids"),
    pytest.param(lambda r, k: _search(r, k, _id=",".join(map(str, range(1000)))), 400,
                 id="a-thousand-ids-is-too-costly"),
    pytest.param(lambda r, k: _search(r, k, _id=",".join(map(str, range(3000)))), 414,
                 id="three-thousand-ids-is-too-long-a-url"),
    pytest.param(lambda r, k: _search(r, k, authored="ge"), 400, id="date-prefix-only"),
    pytest.param(lambda r, k: _search(r, k, _lastUpdated="gt2024-99"), 400,
                 id="last-updated-month-99"),
    pytest.param(lambda r, k: _search(r, k, authored="2024-02-30"), 400,
                 id="date-not-on-calendar"),
    pytest.param(lambda r, k: _search(r, k, _count="²"), 400, id="count-superscript-digit"),
    pytest.param(lambda r, k: _search(r, k, _cursor="WyJ4IiwieSJd"), 400,
                 id="cursor-with-text-key"),
    pytest.param(lambda r, k: _search(r, k, _sort="_lastUpdated", _cursor="WzEsMl0"), 400,
                 id="cursor-with-number-for-date"),
    pytest.param(lambda r, k: r.client.get(
                     f"/fhir/ServiceRequest/{k.current['id']}/_history/99999999999",
                     headers=r.auth()), 404,
                 id="vread-version-beyond-int4"),
    pytest.param(_put_current({}, 'W/"²"'), 400, id="if-match-superscript"),
    pytest.param(_post(service_request("٩٩٩٠٠٠٠٠١٨")), 400, id="nhs-number-arabic-digits"),
    pytest.param(lambda r, k: r.client.post(
                     "/fhir/ServiceRequest/_search", data={"status": "active"},
                     headers=r.auth()), 200,
                 id="search-by-post"),
]  # fmt: skip


@pytest.mark.parametrize(("send", "status"), NASTY)
async def test_hostile_input_never_causes_a_server_error(
    referrals: Referrals, known: Known, send: Send, status: int
) -> None:
    response = await send(referrals, known)

    assert response.status_code == status, response.text
    if status >= 400:
        OperationOutcome.model_validate(response.json())
