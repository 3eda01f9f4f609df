"""An MDT's CareTeam shape: what makes a usable team, and the rows it maps to."""

from __future__ import annotations

from mdt.fhir.team import team_from_fhir, team_issues
from services.mdt.tests.builders import CHAIR, NURSE, member, team_body


def test_a_well_formed_team_maps_to_members_practices_and_locality() -> None:
    body = team_body(practices=("A81001", "B82002"))
    assert team_issues(body) == []
    shape = team_from_fhir("t1", body)
    assert shape.team.practices == ("A81001", "B82002")
    assert shape.team.locality == "north"
    assert shape.team.kind == "locality"
    assert [(m.user_id, m.membership, m.chair) for m in shape.members] == [
        (CHAIR, "core", True),
        (NURSE, "core", False),
    ]


def test_each_defect_is_named_where_it_is() -> None:
    body = team_body(members=[member(CHAIR, "core", chair=True), member(NURSE, "chair-only")])
    body["category"] = []
    body["managingOrganization"] = []
    where = {e for issue in team_issues(body) for e in issue.expression}
    assert where == {
        "CareTeam.category",
        "CareTeam.managingOrganization",
        "CareTeam.participant[1]",
    }


def test_two_chairs_are_refused() -> None:
    body = team_body(members=[member(CHAIR, "core", chair=True), member(NURSE, "core", chair=True)])
    assert [i.code for i in team_issues(body)] == ["business-rule"]


def test_inactive_team_takes_no_cases() -> None:
    body = team_body() | {"status": "inactive"}
    assert team_from_fhir("t1", body).team.active is False
