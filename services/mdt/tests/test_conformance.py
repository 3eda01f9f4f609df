"""What a GP-system vendor relies on (issue 14): strict search, narrative, published codes.

An unknown search parameter is refused (400 naming it) rather than dropped, which
once returned other patients' records; every resource people read carries a
narrative; every local URL in a resource is under the project's canonical root and
published (`mdt.fhir.definitions`), so a validator knows each code.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT
from mdt.fhir.definitions import DEFINITIONS
from services.mdt.tests.builders import NHS, parameters
from services.mdt.tests.conftest import Mdt, entries, listed_case

NATIONAL = ("https://fhir.nhs.uk/Id/", "http://terminology.hl7.org/CodeSystem/")
PUBLISHED = {str(d["url"]) for d in DEFINITIONS}
LENIENT = {"Prefer": "handling=lenient"}


async def test_unknown_search_parameter_is_refused_not_dropped(mdt: Mdt) -> None:
    _, case_id, _ = await listed_case(mdt)
    for query in (f"Task?patinet:identifier={NHS}|9990000018", "List?colour=red"):
        refused = await mdt.get(query)
        assert refused.status_code == 400, refused.text
        name = query.split("?")[1].split("=")[0]
        assert refused.json()["issue"][0]["expression"] == [name]
    headers = {**mdt.auth(), **LENIENT}
    lenient = await mdt.client.get(
        f"/fhir/Task?patinet:identifier={NHS}|1&_id={case_id}", headers=headers
    )
    assert [e["resource"]["id"] for e in entries(lenient) if e["search"]["mode"] == "match"] == [
        case_id
    ]


def _urls(value: Any) -> Iterator[str]:
    """Every `system` and `url` in a resource (an identifier's, a coding's, an extension's)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("system", "url") and isinstance(item, str):
                yield item
            else:
                yield from _urls(item)
    elif isinstance(value, list):
        for item in value:
            yield from _urls(item)


async def test_resources_carry_narrative_and_only_urls_under_the_root(mdt: Mdt) -> None:
    mdt_id, case_id, meetings = await listed_case(mdt)
    body = parameters(("status", "valueCode", "discussed"))
    outcome = await mdt.post(f"Task/{case_id}/$record-outcome", body)
    held = await mdt.post(
        f"Appointment/{meetings[0]}/$record-attendance",
        parameters(("attendee", "valueString", "x")),
    )
    list_id = await mdt.scalar("select list_id from mdt_meeting where id = :m", m=meetings[0])
    paths = [
        f"CareTeam/{mdt_id}",
        f"Task/{case_id}",
        f"Appointment/{meetings[0]}",
        f"Encounter/{held.json()['id']}",
        f"List/{list_id}",
        outcome.json()["output"][0]["valueReference"]["reference"],
    ]
    for path in paths:
        resource = (await mdt.get(path)).json()
        assert resource["text"]["div"].startswith("<div"), path
        for url in _urls(resource):
            assert url.startswith((CANONICAL_ROOT, *NATIONAL)), (path, url)
            if url.startswith(CANONICAL_ROOT) and "/Id/" not in url:
                assert url in PUBLISHED, (path, url)


async def test_the_mdt_codes_are_published_and_listed(mdt: Mdt) -> None:
    for kind, name in (("CodeSystem", "mdt"), ("ValueSet", "mdt-case-status")):
        response = await mdt.client.get(f"/fhir/{kind}/{name}")
        assert response.status_code == 200, (kind, name)
        assert response.json()["url"] in PUBLISHED
    statement = (await mdt.client.get("/fhir/metadata")).json()
    served = {r["type"] for r in statement["rest"][0]["resource"]}
    assert {"StructureDefinition", "CodeSystem", "ValueSet"} <= served
    assert {d["resourceType"] for d in DEFINITIONS} == {
        "StructureDefinition",
        "CodeSystem",
        "ValueSet",
    }
