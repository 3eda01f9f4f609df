"""`_summary` and `_elements` (issue 14, item 1) on a real MDT search and read."""

from __future__ import annotations

from typing import Any

from services.mdt.tests.conftest import Mdt, entries


async def _found(mdt: Mdt, query: str) -> dict[str, Any]:
    [entry] = entries(await mdt.get(query))
    resource: dict[str, Any] = entry["resource"]
    return resource


def _tagged(resource: dict[str, Any]) -> bool:
    return any(t.get("code") == "SUBSETTED" for t in resource["meta"].get("tag", []))


async def test_a_member_lists_teams_in_summary_and_by_element(mdt: Mdt) -> None:
    team = await mdt.team()

    summary = await _found(mdt, f"CareTeam?_id={team}&_summary=true")
    named = await _found(mdt, f"CareTeam?_id={team}&_elements=name")
    whole = await _found(mdt, f"CareTeam?_id={team}")

    assert "text" in whole
    assert not _tagged(whole)
    assert "text" not in summary
    assert "extension" not in summary
    assert (summary["name"], summary["status"]) == ("North locality MDT", "active")
    assert _tagged(summary)
    assert set(named) == {"resourceType", "id", "meta", "name"}
    assert _tagged(named)


async def test_reading_a_team_in_part_and_refusals(mdt: Mdt) -> None:
    team = await mdt.team()

    data = await mdt.get(f"CareTeam/{team}?_summary=data")
    both = await mdt.get(f"CareTeam?_id={team}&_summary=text&_elements=name")
    unknown = await mdt.get(f"CareTeam?_id={team}&_elements=colour")

    assert data.status_code == 200
    assert "text" not in data.json()
    assert data.json()["participant"]
    assert both.status_code == 400
    assert unknown.status_code == 400
    assert unknown.json()["issue"][0]["expression"] == ["_elements"]
