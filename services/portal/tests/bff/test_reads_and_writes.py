"""What the staff pages make of another service's answers (`portal.service.bff`): a
write's answer (saved, conflict, gone, refused) whatever the use case, the version a
page sends back as If-Match, and Parameters outputs read by part name.

The other service is an in-process HTTP app (httpx's MockTransport) answering with
fixed FHIR JSON and recording what it was sent, so these run without any server.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from portal.service.bff.client import FhirClient, Json
from portal.service.bff.mdt_outcomes import OutcomeForm, record_outcome
from portal.service.bff.paramedic import advice_lines
from portal.service.bff.requests import load_request
from portal.service.bff.shapes import ServiceOption
from portal.service.bff.triage import Decision, decide

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Service:
    """Answers each path with what `answers` holds for it (404 otherwise)."""

    def __init__(self, answers: dict[str, tuple[int, Json, dict[str, str]]]) -> None:
        self.answers = answers
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        path = request.url.path.removeprefix("/fhir/")
        status, body, headers = self.answers.get(path, (404, _outcome("not found"), {}))
        return httpx.Response(status, json=body, headers=headers)

    def client(self) -> FhirClient:
        return FhirClient(
            "Referrals", "http://referrals.test", "t", transport=httpx.MockTransport(self)
        )


def _outcome(*messages: str) -> Json:
    issues = [{"severity": "error", "code": "invalid", "diagnostics": m} for m in messages]
    return {"resourceType": "OperationOutcome", "issue": issues}


@pytest.mark.parametrize(
    ("status", "body", "result", "messages"),
    [
        (200, {"resourceType": "Task"}, "saved", ()),
        (409, _outcome("already decided"), "conflict", ("already decided",)),
        (412, _outcome("", "stale version"), "conflict", ("stale version",)),
        (403, _outcome("not yours"), "gone", ()),
        (404, _outcome("not found"), "gone", ()),
        (410, _outcome("deleted"), "gone", ()),
        (
            422,
            _outcome("a redirect needs a service", ""),
            "refused",
            ("a redirect needs a service",),
        ),
    ],
)
async def test_a_triage_decision_and_an_mdt_outcome_answer_alike(
    status: int, body: Json, result: str, messages: tuple[str, ...]
) -> None:
    service = Service(
        {
            "ServiceRequest/sr1/$triage": (status, body, {}),
            "Task/case1/$record-outcome": (status, body, {}),
        }
    )

    decided = await decide(service.client(), "sr1", "3", Decision("accepted"))
    recorded = await record_outcome(service.client(), "case1", "7", OutcomeForm("discussed", "ok"))

    assert (decided.result, decided.messages) == (result, messages)
    assert (recorded.result, recorded.messages) == (result, messages)
    assert [r.headers.get("If-Match") for r in service.sent] == ['W/"3"', 'W/"7"']


async def test_a_form_with_no_version_sends_no_if_match() -> None:
    service = Service({"ServiceRequest/sr1/$triage": (200, {}, {})})

    await decide(service.client(), "sr1", "", Decision("accepted"))

    assert "If-Match" not in service.sent[0].headers


def _request(version: str | None) -> Json:
    body: Json = {
        "resourceType": "ServiceRequest",
        "id": "sr1",
        "extension": [{"url": "https://x.test/triage-state", "valueCode": "advice-given"}],
    }
    if version is not None:
        body["meta"] = {"versionId": version}
    return body


def _transition(**values: str) -> Json:
    parts = [{"name": name, "valueString": value} for name, value in values.items()]
    return {"name": "transition", "part": parts}


async def test_the_request_page_reads_its_history_by_part_name_and_the_etag_version() -> None:
    history = {
        "resourceType": "Parameters",
        "parameter": [
            _transition(
                outcome="accepted", to="accepted", who="Dr Triage", when="2026-03-02T09:00:00Z"
            ),
            _transition(
                reason="Seen", organisation="RXX", outcome="advice-given", to="advice-given"
            ),
        ],
    }
    service = Service(
        {
            "ServiceRequest/sr1": (200, _request("2"), {"ETag": 'W/"5"'}),
            "ServiceRequest/sr1/$triage-history": (200, history, {}),
            "Task": (200, {"resourceType": "Bundle", "entry": []}, {}),
            "Communication": (200, {"resourceType": "Bundle", "entry": []}, {}),
        }
    )

    page = await load_request(service.client(), "sr1", NOW)

    assert page is not None
    assert page.request.version == "5"  # the read's ETag, not the older meta
    first, second = page.history
    assert (first.label, first.to_label, first.who, first.reason) == (
        "Accept",
        "Accepted",
        "Dr Triage",
        "",
    )
    assert first.when == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert (second.label, second.organisation, second.reason, second.when) == (
        "Give advice (return to referrer)",
        "RXX",
        "Seen",
        None,
    )


async def test_a_search_entry_keeps_its_meta_version() -> None:
    service = Service(
        {
            "ServiceRequest/sr1": (200, _request("2"), {}),
            "ServiceRequest/sr1/$triage-history": (200, {"resourceType": "Parameters"}, {}),
        }
    )

    page = await load_request(service.client(), "sr1", NOW)

    assert page is not None
    assert (page.request.version, page.history) == ("2", [])


async def test_advice_lines_are_read_by_part_name_with_their_on_call_in_ringing_order() -> None:
    def on_call(order: int, name: str, phone: str) -> Json:
        return {
            "name": "onCall",
            "part": [
                {"name": "order", "valueInteger": order},
                {"name": "practitionerRole", "valueReference": {"display": name}},
                {"name": "phone", "valueString": phone},
            ],
        }

    line = {
        "name": "line",
        "part": [
            {"name": "service", "valueReference": {"reference": "HealthcareService/line1"}},
            {"name": "phone", "valueString": "0300 000 0001"},
            on_call(2, "Dr Second", "07000 000002"),
            on_call(1, "Dr First", "07000 000001"),
        ],
    }
    answer = {"resourceType": "Parameters", "parameter": [line]}
    service = Service({"HealthcareService/$advice-lines": (200, answer, {})})
    named = ServiceOption("line1", "Cardiology advice line", "Cardiology", "card", (), "RXX")

    (found,) = await advice_lines(service.client(), "cardiology", "", [named])

    assert (found.id, found.name, found.phones) == (
        "line1",
        "Cardiology advice line",
        ("0300 000 0001",),
    )
    assert [(c.order, c.name, c.phone) for c in found.on_call] == [
        (1, "Dr First", "07000 000001"),
        (2, "Dr Second", "07000 000002"),
    ]
