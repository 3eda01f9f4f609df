"""The real referrals service with the demo front door services in its directory, for
the directory tests (a pytest plugin of the front door's conftest): its signing folder
is the development issuer's, so a provider started on the same folder mints tokens
referrals accepts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from carecoord_devstack.demo_data.front_door import front_door_seeds
from carecoord_devstack.testing import create_fresh_database, new_run, settings_under_test
from carecoord_shared.security.dev_issuer import DevIssuer
from referrals.main import create_app as create_referrals
from referrals.settings import ReferralsSettings
from services.portal.tests.web.conftest import LiveServer, free_port


@pytest.fixture(scope="module")
async def referrals_db(infrastructure: None) -> str:
    return await create_fresh_database("fdref")


@pytest.fixture(scope="module")
def referrals_issuer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the signing key referrals trusts."""
    return tmp_path_factory.mktemp("fdref")


@pytest.fixture(scope="module")
def referrals(
    referrals_db: str, kafka_bootstrap: str, referrals_issuer: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    """The real referrals service with the demo front door services, and a system token."""
    issuer, port = DevIssuer(referrals_issuer), free_port()
    url = f"http://127.0.0.1:{port}"
    settings = settings_under_test(
        ReferralsSettings,
        database_url=referrals_db,
        jwks_url=issuer.jwks_url,
        kafka_bootstrap=kafka_bootstrap,
        public_base_url=url,
        topics=new_run(),
    )
    server = LiveServer(create_referrals(settings), port)
    server.start()
    headers = {"Authorization": f"Bearer {issuer.mint('system')}"}
    try:
        for seed in front_door_seeds():
            made = httpx.post(f"{url}/fhir/HealthcareService", json=seed.resource, headers=headers)
            assert made.status_code == 201, made.text
        yield url, headers
    finally:
        server.stop()
