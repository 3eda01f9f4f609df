"""Who the web pages think is signed in, from the ID token's claims."""

from __future__ import annotations

import pytest

from portal.web.identity import InvalidIdentity, WebUser, user_from_claims
from portal.web.screens import SCREENS, level_allows, screens_for

STAFF = {
    "sub": "555000000001",
    "name": "Dr Priya Shah",
    "carecoord_role": "gp",
    "org": "Y01001",
    "nhsid_user_orgs": [{"org_code": "Y01001", "org_name": "Bridge Street Surgery"}],
}
PATIENT = {
    "sub": "opaque-subject",
    "given_name": "Raymond",
    "family_name": "Wilson",
    "carecoord_role": "patient",
    "identity_proofing_level": "P9",
    "nhs_number": "9990000018",
}


def test_a_staff_member_is_shown_with_name_role_and_organisation() -> None:
    user = user_from_claims(STAFF)
    assert user.banner == "Signed in as Dr Priya Shah, GP, Bridge Street Surgery"


def test_an_organisation_without_a_name_is_shown_by_its_code() -> None:
    user = user_from_claims({k: v for k, v in STAFF.items() if k != "nhsid_user_orgs"})
    assert user.organisation_name == "Y01001"


def test_a_patient_carries_their_level_and_nhs_number_but_never_prints_it() -> None:
    user = user_from_claims(PATIENT)
    assert user.banner == "Signed in as Raymond Wilson, patient (NHS login P9)"
    assert user.nhs_number == "9990000018"
    assert "9990000018" not in repr(user)


def test_a_p0_patient_has_no_nhs_number_even_if_one_is_claimed() -> None:
    user = user_from_claims(PATIENT | {"identity_proofing_level": "P0"})
    assert user.proofing_level == "P0"
    assert user.nhs_number is None


@pytest.mark.parametrize(
    "claims",
    [
        STAFF | {"carecoord_role": "system"},
        STAFF | {"carecoord_role": "wizard"},
        {k: v for k, v in STAFF.items() if k != "org"},
        STAFF | {"org": "not an ods code"},
        {k: v for k, v in STAFF.items() if k != "name"},
        PATIENT | {"identity_proofing_level": "P7"},
        {k: v for k, v in PATIENT.items() if k != "nhs_number"},
        PATIENT | {"nhs_number": "123"},
    ],
)
def test_identities_the_portal_cannot_serve_are_refused(claims: dict[str, object]) -> None:
    with pytest.raises(InvalidIdentity):
        user_from_claims(claims)


def test_a_user_survives_the_session_table_round_trip() -> None:
    user = user_from_claims(PATIENT)
    assert WebUser.from_json(user.as_json()) == user


def test_every_role_that_signs_in_has_a_home_page() -> None:
    assert set(SCREENS) == {
        "gp",
        "triage-clinician",
        "care-coordinator",
        "mdt-member",
        "paramedic",
        "admin",
        "patient",
    }


@pytest.mark.parametrize(("level", "allowed"), [("P0", 1), ("P5", 2), ("P9", 6)])
def test_patient_screens_open_with_the_proofing_level(level: str, allowed: int) -> None:
    user = user_from_claims(PATIENT | {"identity_proofing_level": level})
    assert sum(level_allows(user, screen) for screen in screens_for(user)) == allowed
