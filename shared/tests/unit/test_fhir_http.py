"""FHIR over HTTP: If-Match parsing, and Bundles assembled from stored bytes are valid R4."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from fhir.resources.R4B.bundle import Bundle

from carecoord_shared.fhir.http import (
    history_bundle,
    parse_etag,
    resource_headers,
    searchset,
)
from carecoord_shared.fhir.outcome import FhirError, Issue
from carecoord_shared.store.repository import StoredResource

BASE = "https://referrals.example/fhir"
WHEN = datetime(2024, 3, 10, 9, 30, 15, 123000, tzinfo=UTC)


def _stored(resource_id: str, version: int = 1, *, deleted: bool = False) -> StoredResource:
    content = None
    if not deleted:
        content = orjson.dumps(
            {
                "resourceType": "Organization",
                "id": resource_id,
                "meta": {"versionId": str(version)},
                "name": f"Practice {resource_id}",
            }
        )
    return StoredResource(7, "Organization", resource_id, version, WHEN, deleted, content, None)


@pytest.mark.parametrize(
    ("header", "version"), [('W/"3"', 3), ('"12"', 12), ("4", 4), (None, None)]
)
def test_if_match_gives_the_version_it_names(header: str | None, version: int | None) -> None:
    assert parse_etag(header) == version


@pytest.mark.parametrize("header", ['W/"abc"', "W/", "", 'W/"-1"', 'W/"1.5"', "*"])
def test_an_unreadable_if_match_is_a_400_pointing_at_the_header(header: str) -> None:
    with pytest.raises(FhirError) as caught:
        parse_etag(header)

    assert caught.value.status == 400
    assert [(i.code, i.expression) for i in caught.value.issues] == [("value", ("If-Match",))]


def test_an_if_match_of_non_ascii_digits_is_a_400() -> None:
    with pytest.raises(FhirError):
        parse_etag('W/"²"')


def test_resource_headers_give_location_only_for_a_created_resource() -> None:
    read = resource_headers(_stored("o1", 3), BASE)
    created = resource_headers(_stored("o1", 1), BASE, created=True)

    assert read == {
        "ETag": 'W/"3"',
        "Last-Modified": "Sun, 10 Mar 2024 09:30:15 GMT",
        "Content-Location": f"{BASE}/Organization/o1/_history/3",
    }
    assert created["Location"] == f"{BASE}/Organization/o1/_history/1"
    assert "Content-Location" not in created


def test_a_searchset_with_matches_includes_next_link_and_warnings_is_a_valid_bundle() -> None:
    body = searchset(
        BASE,
        "Organization",
        [("name", "prac"), ("_count", "2")],
        [_stored("o1"), _stored("o2")],
        [_stored("o3")],
        total=5,
        next_cursor="abc",
        warnings=[
            Issue("not-supported", "Unknown search parameter 'x' was ignored", severity="warning")
        ],
    )

    bundle = orjson.loads(body)
    Bundle.model_validate(bundle)
    assert bundle["total"] == 5
    assert [(e["fullUrl"], e["search"]["mode"]) for e in bundle["entry"]][:3] == [
        (f"{BASE}/Organization/o1", "match"),
        (f"{BASE}/Organization/o2", "match"),
        (f"{BASE}/Organization/o3", "include"),
    ]
    outcome = bundle["entry"][3]
    assert outcome["search"]["mode"] == "outcome"
    assert outcome["fullUrl"].startswith("urn:uuid:")  # every entry has one (FHIR bdl-7)
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert links == {
        "self": f"{BASE}/Organization?name=prac&_count=2",
        "next": f"{BASE}/Organization?name=prac&_count=2&_cursor=abc",
    }


def test_an_empty_searchset_has_no_entries_and_no_next_link() -> None:
    bundle = orjson.loads(searchset(BASE, "Organization", [], []))

    Bundle.model_validate(bundle)
    assert "entry" not in bundle
    assert [link["relation"] for link in bundle["link"]] == ["self"]


def test_a_history_bundle_lists_every_version_with_its_method_and_is_valid() -> None:
    versions = [
        (_stored("o1", 3, deleted=True), "delete"),
        (_stored("o1", 2), "update"),
        (_stored("o1", 1), "create"),
    ]

    bundle = orjson.loads(history_bundle(BASE, versions))

    Bundle.model_validate(bundle)
    assert bundle["type"] == "history"
    assert bundle["total"] == 3
    assert [(e["request"]["method"], e["response"]["etag"]) for e in bundle["entry"]] == [
        ("DELETE", 'W/"3"'),
        ("PUT", 'W/"2"'),
        ("POST", 'W/"1"'),
    ]
    assert "resource" not in bundle["entry"][0]
    assert bundle["entry"][2]["resource"]["meta"]["versionId"] == "1"
