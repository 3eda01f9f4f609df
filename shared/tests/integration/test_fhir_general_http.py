"""HTTP as FHIR defines it wherever a vendor calls (issue 14, items 1 and 2), on the kernel.

`HEAD` answers wherever `GET` does, with the GET's status and headers and no body; a
405's `Allow` names every method served at the URL; the published definitions' search
is strict, paged and linked like every other; `_pretty` and `_format` are accepted on
every interaction, and `_pretty=true` indents the JSON; an OperationOutcome the
middleware writes has its narrative.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.tests.integration.test_fhir_conformance import _condition, fhir

__all__ = ["fhir"]


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/metadata",
        "/fhir/_history",
        "/fhir/Condition/_history",
        "/fhir/Condition",
        "/fhir/CodeSystem",
        "/fhir/CodeSystem/outcome",
        "/fhir/OperationDefinition",
        "/.well-known/smart-configuration",
        "/fhir/.well-known/smart-configuration",
        "/healthz",
    ],
)
async def test_head_answers_wherever_get_does(fhir: dict[str, Any], path: str) -> None:
    got = await fhir["client"].get(path)
    head = await fhir["client"].head(path)
    assert got.status_code == 200
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"]


async def test_head_on_a_read_gives_its_etag_and_a_post_only_url_refuses_it(
    fhir: dict[str, Any],
) -> None:
    made = await fhir["client"].post("/fhir/Condition", json=_condition())
    head = await fhir["client"].head(f"/fhir/Condition/{made.json()['id']}")
    assert (head.status_code, head.headers["etag"], head.content) == (200, 'W/"1"', b"")
    refused = await fhir["client"].head("/fhir/$break-glass")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/fhir/Condition", "GET, HEAD, POST, PUT"),
        ("POST", "/fhir/Condition/c1", "DELETE, GET, HEAD, PATCH, PUT"),
        ("DELETE", "/fhir/metadata", "GET, HEAD"),
        ("DELETE", "/fhir/_history", "GET, HEAD"),
        ("DELETE", "/fhir/CodeSystem", "GET, HEAD"),
    ],
)
async def test_a_405_allows_every_method_served_at_the_url(
    fhir: dict[str, Any], method: str, path: str, allowed: str
) -> None:
    refused = await fhir["client"].request(method, path)
    assert refused.status_code == 405
    assert refused.headers["allow"] == allowed
    assert refused.json()["issue"][0]["code"] == "not-supported"


@pytest.mark.parametrize("kind", ["CodeSystem", "ValueSet", "OperationDefinition"])
async def test_published_definitions_search_strictly_unless_lenient(
    fhir: dict[str, Any], kind: str
) -> None:
    refused = await fhir["client"].get(f"/fhir/{kind}", params={"bogus": "1"})
    assert refused.status_code == 400
    assert refused.json()["issue"][0]["expression"] == ["bogus"]
    lenient = await fhir["client"].get(
        f"/fhir/{kind}", params={"bogus": "1"}, headers={"Prefer": "handling=lenient"}
    )
    assert lenient.status_code == 200
    warned = lenient.json()["entry"][-1]
    assert warned["search"]["mode"] == "outcome"
    assert warned["resource"]["issue"][0]["severity"] == "warning"


async def test_published_definitions_page_with_count_and_links(fhir: dict[str, Any]) -> None:
    client = fhir["client"]
    first = (await client.get("/fhir/CodeSystem", params={"_count": "1"})).json()
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert first["total"] == 2
    assert links["self"].endswith("/fhir/CodeSystem?_count=1")
    assert [e["search"]["mode"] for e in first["entry"]] == ["match"]
    second = (await client.get("/fhir/" + links["next"].partition("/fhir/")[2])).json()
    assert "next" not in {link["relation"] for link in second["link"]}
    ids = [e["resource"]["id"] for e in (*first["entry"], *second["entry"])]
    assert sorted(ids) == ["outcome", "urgency"]
    named = await client.get("/fhir/CodeSystem", params={"name": "urg", "status": "active"})
    assert [e["resource"]["id"] for e in named.json()["entry"]] == ["urgency"]


async def test_pretty_and_format_are_accepted_on_every_interaction(fhir: dict[str, Any]) -> None:
    client = fhir["client"]
    general = {"_pretty": "true", "_format": "application/fhir+json"}
    made = await client.post("/fhir/Condition", params=general, json=_condition())
    assert made.status_code == 201
    assert made.text.startswith('{\n  "')
    read = await client.get(f"/fhir/Condition/{made.json()['id']}", params=general)
    assert read.text.startswith('{\n  "')
    assert int(read.headers["content-length"]) == len(read.content)
    found = await client.get("/fhir/Condition", params={**general, "identifier": "c-1"})
    assert (found.status_code, len(found.json()["entry"])) == (200, 1)
    assert found.text.startswith('{\n  "')
    plain = await client.get("/fhir/Condition", params={"_pretty": "false", "_format": "json"})
    assert plain.status_code == 200
    assert "\n" not in plain.text
    definitions = await client.get("/fhir/CodeSystem", params=general)
    assert definitions.status_code == 200


async def test_an_outcome_the_middleware_writes_has_its_narrative(fhir: dict[str, Any]) -> None:
    refused = await fhir["client"].get("/fhir/Condition", params={"_format": "xml"})
    assert refused.status_code == 406
    assert refused.json()["text"]["status"] == "generated"
