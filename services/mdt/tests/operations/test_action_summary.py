"""`$action-summary`: the team's actions by state, the late ones listed for those who may
see their patient, members only, bad dates refused, and GET and POST alike."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import orjson

from services.mdt.tests.builders import (
    CHAIR,
    NURSE,
    OUTSIDER,
    PRACTICE_A,
    action,
    member,
    parameters,
)
from services.mdt.tests.conftest import Mdt, listed_case, outcome_codes

TODAY = date.today()
LATER = (TODAY + timedelta(days=10)).isoformat()
NEWCOMER = {"role": "mdt-member", "organisation": "VOL01", "user": "sds-newcomer-1"}


def summary_path(mdt_id: str) -> str:
    return f"/fhir/CareTeam/{mdt_id}/$action-summary"


async def summary(mdt: Mdt, mdt_id: str, query: str = "", **who: Any) -> httpx.Response:
    return await mdt.client.get(f"{summary_path(mdt_id)}{query}", headers=mdt.auth(**who))


def parts(answer: httpx.Response, name: str) -> list[dict[str, Any]]:
    """Each `name` parameter of the answer as {part name: its value}."""
    assert answer.status_code == 200, answer.text
    found = [p for p in answer.json()["parameter"] if p["name"] == name]
    return [
        {q["name"]: next(v for k, v in q.items() if k != "name") for q in p["part"]} for p in found
    ]


async def discussed_with_actions(mdt: Mdt) -> tuple[str, str, dict[str, str]]:
    """A discussed case with four actions, one of them done; the team, the patient and
    the action ids by description."""
    mdt_id, case_id, _ = await listed_case(mdt)
    body = parameters(("status", "valueCode", "discussed"))
    body["parameter"] += [
        action("Review medication", "organisation", TODAY + timedelta(2), practice=PRACTICE_A),
        action("Home visit", "role", TODAY + timedelta(1), display="Community nurse"),
        action("Falls clinic", "role", TODAY + timedelta(30), display="Physiotherapist"),
        action("Call the carer", "role", TODAY + timedelta(3), display="Co-ordinator"),
    ]
    assert (await mdt.post(f"Task/{case_id}/$record-outcome", body)).status_code == 200
    nhs = str(await mdt.scalar("select patient_nhs from mdt_case where id = :c", c=case_id))
    by_description = "select json_object_agg(description, id) from mdt_action where case_id = :c"
    ids: dict[str, str] = await mdt.scalar(by_description, c=case_id)
    done = await mdt.post(f"Task/{ids['Call the carer']}/$complete", parameters())
    assert done.status_code == 200, done.text
    return mdt_id, nhs, ids


async def test_the_team_sees_its_actions_by_state_and_the_late_ones(mdt: Mdt) -> None:
    mdt_id, nhs, ids = await discussed_with_actions(mdt)
    await mdt.execute("update mdt_action set overdue_at = now() where id = :i", i=ids["Home visit"])
    today = await summary(mdt, mdt_id)
    assert today.json()["parameter"][0] == {"name": "asOf", "valueDate": TODAY.isoformat()}
    assert parts(today, "state") == [
        {"code": "assigned", "count": 3, "late": 0},
        {"code": "acknowledged", "count": 0, "late": 0},
        {"code": "completed", "count": 1, "late": 0},
    ]
    assert parts(today, "action") == []
    later = await summary(mdt, mdt_id, f"?asOf={LATER}", role="mdt-member", user=NURSE)
    assert [s["late"] for s in parts(later, "state")] == [2, 0, 0]
    assert parts(later, "action") == [
        {
            "task": {"reference": f"Task/{ids['Home visit']}"},
            "description": "Home visit",
            "owner": "Community nurse",
            "dueOn": (TODAY + timedelta(1)).isoformat(),
            "state": "assigned",
            "escalated": True,
        },
        {
            "task": {"reference": f"Task/{ids['Review medication']}"},
            "description": "Review medication",
            "owner": PRACTICE_A,
            "dueOn": (TODAY + timedelta(2)).isoformat(),
            "state": "assigned",
            "escalated": False,
        },
    ]
    audited = await mdt.scalar(
        "select array_agg(subject || ' ' || coalesce(patient_nhs, '-') order by subject)"
        " from audit_event where entity = :e",
        e=f"CareTeam/{mdt_id}/$action-summary",
    )
    assert audited == [f"{CHAIR} -", f"{NURSE} {nhs}"]  # each ask, with the listed patients


async def test_only_members_ask_and_see_only_the_actions_of_patients_they_may_see(
    mdt: Mdt,
) -> None:
    mdt_id, _, _ = await discussed_with_actions(mdt)
    outsider = await summary(mdt, mdt_id, user=OUTSIDER)
    assert outsider.status_code == 403
    assert outcome_codes(outsider) == ["forbidden"]
    unknown = await summary(mdt, "no-such-team")
    assert unknown.status_code == 404
    assert outcome_codes(unknown) == ["not-found"]
    team = (await mdt.get(f"CareTeam/{mdt_id}")).json()
    team.pop("meta")
    team["participant"].append(member(NEWCOMER["user"], "extended", title="Link worker"))
    joined = await mdt.client.put(f"/fhir/CareTeam/{mdt_id}", json=team, headers=mdt.auth())
    assert joined.status_code == 200, joined.text
    newcomer = await summary(mdt, mdt_id, f"?asOf={LATER}", **NEWCOMER)
    assert [s["late"] for s in parts(newcomer, "state")] == [2, 0, 0]
    assert parts(newcomer, "action") == []  # the case closed before they joined
    deleted = await mdt.client.delete(f"/fhir/CareTeam/{mdt_id}", headers=mdt.auth())
    assert deleted.status_code == 204, deleted.text
    gone = await summary(mdt, mdt_id, role="system")
    assert gone.status_code == 410
    assert outcome_codes(gone) == ["deleted"]


async def test_a_bad_date_or_parameter_is_refused_naming_it(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    for query, name in (
        ("?asOf=tomorrow", "asOf"),
        ("?asOf=2030-03", "asOf"),
        (f"?asOf={LATER}&asOf={LATER}", "asOf"),
        ("?colour=red", "colour"),
    ):
        refused = await summary(mdt, mdt_id, query)
        assert refused.status_code == 400, query
        where = refused.json()["issue"][0]["expression"]
        assert where == [f"Parameters.parameter.where(name='{name}')"], query


async def test_get_and_post_answer_alike(mdt: Mdt) -> None:
    mdt_id, _, _ = await discussed_with_actions(mdt)
    by_get = await summary(mdt, mdt_id, f"?asOf={LATER}")
    body = parameters(("asOf", "valueDate", LATER))
    by_post = await mdt.client.post(
        summary_path(mdt_id), content=orjson.dumps(body), headers=mdt.auth()
    )
    assert by_post.status_code == 200, by_post.text
    assert len(parts(by_get, "action")) == 2
    assert by_get.json() == by_post.json()


async def test_the_wrong_practice_role_or_scope_is_refused_and_told_nothing(mdt: Mdt) -> None:
    """Beside the members who succeed above: a GP of another practice, the patient whose
    action is late, and the chair with a token that may not read Tasks are all refused
    (403), and the answer names neither the patient nor any action."""
    mdt_id, nhs, ids = await discussed_with_actions(mdt)
    query = f"?asOf={LATER}"
    patient = {"Authorization": f"Bearer {mdt.token('patient', None, nhs_number=nhs)}"}
    refused = {
        "another practice": await summary(mdt, mdt_id, query, organisation="B82002", user=None),
        "the patient": await mdt.client.get(f"{summary_path(mdt_id)}{query}", headers=patient),
        "no Task scope": await summary(mdt, mdt_id, query, scopes="user/CareTeam.rs"),
    }
    for who, answer in refused.items():
        assert answer.status_code == 403, (who, answer.text)
        assert outcome_codes(answer) == ["forbidden"], who
        assert nhs not in answer.text, who
        assert ids["Home visit"] not in answer.text, who
    allowed = await summary(mdt, mdt_id, query)
    assert [a["task"]["reference"] for a in parts(allowed, "action")] == [
        f"Task/{ids['Home visit']}",
        f"Task/{ids['Review medication']}",
    ]
