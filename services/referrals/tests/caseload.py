"""A small, known directory and caseload for search tests, and searches named by it.

Two patients, three requests (one a draft in a local category) routed to one
cardiology service, and the triage Task submission made for each: each search can be
compared with exactly the set it must return, by name (`chest_pain`, `task:draft`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.referrals.tests.bodies import REQUEST_CATEGORY, service_request
from services.referrals.tests.conftest import Referrals, new_nhs_number

SCT = "http://snomed.info/sct"
LOCAL = "urn:carecoord:test:category"
FIRST_PATIENT = "9990000018"


@dataclass(frozen=True, slots=True)
class Caseload:
    cardiology: str
    chest_pain: dict[str, Any]
    breathless: dict[str, Any]
    draft: dict[str, Any]
    tasks: dict[str, str]
    second_patient: str

    def ids(self, *names: str) -> str:
        """The `_id` value for the named resources (`chest_pain`, `draft`, `cardiology`)."""
        return ",".join(
            self.cardiology if n == "cardiology" else getattr(self, n)["id"] for n in names
        )

    def name(self, resource_id: str) -> str:
        names = {
            self.chest_pain["id"]: "chest_pain",
            self.breathless["id"]: "breathless",
            self.draft["id"]: "draft",
            self.cardiology: "cardiology",
        }
        names.update({task: f"task:{names[focus]}" for focus, task in self.tasks.items()})
        return names.get(resource_id, resource_id)


async def make_caseload(referrals: Referrals) -> Caseload:
    """The module's directory and caseload, created once on its database."""
    service = await referrals.create(
        {"resourceType": "HealthcareService", "name": "Cardiology Advice", "active": True}
    )
    performer = f"HealthcareService/{service['id']}"
    second = new_nhs_number()
    chest_pain = await referrals.create(
        service_request(
            FIRST_PATIENT,
            performer=performer,
            authored="2024-03-01T09:30:00Z",
            note="Chest pain on exertion",
        )
    )
    # 00:30 on 3 March in UTC+1 is 23:30 on 2 March in UTC.
    breathless = await referrals.create(
        service_request(
            second,
            performer=performer,
            authored="2024-03-03T00:30:00+01:00",
            note="Breathless at night, 100% worse",
        )
    )
    draft_body = service_request(second, authored="2024-02-28")
    draft_body["status"] = "draft"
    draft_body["category"] = [
        {"coding": [{"system": LOCAL, "code": "3457005"}, {"code": "gp-only"}]},
        {"coding": [{"system": REQUEST_CATEGORY, "code": "advice-and-guidance"}]},
    ]
    draft = await referrals.create(draft_body)
    tasks = {}
    for request in (chest_pain, breathless, draft):  # submission made each its triage Task
        found = await referrals.client.get(
            "/fhir/Task",
            params={"focus": f"ServiceRequest/{request['id']}"},
            headers=referrals.auth(),
        )
        (entry,) = found.json()["entry"]
        tasks[request["id"]] = entry["resource"]["id"]
    return Caseload(service["id"], chest_pain, breathless, draft, tasks, second)


async def search(
    referrals: Referrals, caseload: Caseload, resource_type: str = "ServiceRequest", **params: str
) -> dict[str, set[str]]:
    """The names of what a search returned, by search mode."""
    response = await referrals.client.get(
        f"/fhir/{resource_type}", params=params, headers=referrals.auth()
    )
    assert response.status_code == 200, response.text
    found: dict[str, set[str]] = {}
    for entry in response.json().get("entry", []):
        found.setdefault(entry["search"]["mode"], set()).add(
            caseload.name(entry["resource"].get("id", ""))
        )
    return found


async def matches(referrals: Referrals, caseload: Caseload, **params: str) -> set[str]:
    """The names of the resources a search matched."""
    return (await search(referrals, caseload, **params)).get("match", set())
