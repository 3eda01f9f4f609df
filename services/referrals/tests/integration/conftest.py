"""Module-scoped worlds shared by the split integration modules.

Each module that asks for one gets its own, made once on that module's database: the
search caseload (tests/caseload.py) and the two practices' referral
(tests/two_practices.py).
"""

from __future__ import annotations

import pytest

from services.referrals.tests.caseload import Caseload, make_caseload
from services.referrals.tests.conftest import Referrals
from services.referrals.tests.two_practices import Referral, make_referral


@pytest.fixture(scope="module")
async def caseload(referrals: Referrals) -> Caseload:
    return await make_caseload(referrals)


@pytest.fixture(scope="module")
async def referral(referrals: Referrals) -> Referral:
    return await make_referral(referrals)
