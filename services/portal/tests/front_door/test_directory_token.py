"""The portal reads referrals' directory with its own system token (issue 11, hazard O6):
obtained from the real development provider by the client credentials grant (token
endpoint from its discovery document), accepted by the real referrals service, renewed
once expired, and a refused token keeps the last directory copy with a log line that
names no secret."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from carecoord_devstack.oidc_provider import SystemClient, create_oidc_app
from carecoord_shared.security.dev_issuer import DevIssuer
from portal.config.front_door import FrontDoorSettings
from portal.service.front_door_directory import LiveDirectory
from portal.service.system_token import SystemToken
from services.portal.tests.front_door.test_directory import HOSPITAL, night_pharmacy_on_route
from services.portal.tests.web.conftest import LiveServer, free_port

CLIENT = SystemClient("portal-directory", "the-system-secret-under-test")
SCOPE = "system/HealthcareService.read"
LIFE_S = 300


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def provider(referrals_issuer: Path) -> Iterator[str]:
    """The development provider signing with the key referrals trusts, the portal's
    system client registered."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_oidc_app(
        referrals_issuer, url, system_clients=[CLIENT], system_token_lifetime_s=LIFE_S
    )
    server = LiveServer(app, port)
    server.start()
    try:
        yield url
    finally:
        server.stop()


def _token(provider: str, clock: Clock, secret: str = CLIENT.client_secret) -> SystemToken:
    return SystemToken(provider, CLIENT.client_id, secret, SCOPE, clock=clock)


async def test_the_system_token_reads_referrals_directory(
    provider: str, referrals: tuple[str, dict[str, str]]
) -> None:
    token = _token(provider, Clock())
    live = LiveDirectory(referrals[0], token, refresh_s=3600)

    assert await live.refresh()

    assert token.fetched == 1
    assert live.services[HOSPITAL].hours.always
    assert "physiotherapy" in live.services


async def test_the_token_is_kept_while_good_and_renewed_once_expired(
    provider: str, referrals: tuple[str, dict[str, str]]
) -> None:
    clock = Clock()
    token = _token(provider, clock)
    live = LiveDirectory(referrals[0], token, refresh_s=0)
    assert await live.refresh()
    first = await token.bearer()

    clock.now += LIFE_S - 31  # still good: the same token
    assert await live.refresh()
    assert (token.fetched, await token.bearer()) == (1, first)

    clock.now += 2  # within 30 s of expiry: renewed before it runs out
    assert await live.refresh()
    assert token.fetched == 2
    clock.now += LIFE_S  # long expired: renewed again, and referrals accepts it
    assert await live.refresh()
    assert token.fetched == 3
    assert await token.bearer() != first


async def test_bad_credentials_are_refused_and_the_last_copy_kept_without_secrets(
    provider: str, referrals: tuple[str, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    token = _token(provider, clock)
    live = LiveDirectory(referrals[0], token, refresh_s=0)
    assert await live.refresh()
    copy = dict(live.services)

    token.client_secret = "a-wrong-secret-value"
    clock.now += LIFE_S  # renewal due, and refused
    with caplog.at_level(logging.WARNING, logger="portal.service.front_door_directory"):
        assert not await live.refresh()

    assert live.services == copy
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "401 invalid_client" in said
    assert "the last copy is kept" in said
    assert "a-wrong-secret-value" not in said
    assert CLIENT.client_secret not in said
    unknown = SystemToken(provider, "nobody", "x", SCOPE)
    assert not await LiveDirectory(referrals[0], unknown, refresh_s=0).refresh()


async def test_the_route_operation_uses_the_directory_read_with_the_client(
    provider: str,
    referrals: tuple[str, dict[str, str]],
    front_door_issuer: DevIssuer,
    kafka_bootstrap: str,
) -> None:
    parts = await night_pharmacy_on_route(
        referrals,
        front_door_issuer,
        kafka_bootstrap,
        "01632 960066",
        front_door_directory_client_id=CLIENT.client_id,
        front_door_directory_client_secret=CLIENT.client_secret,
        front_door_directory_issuer=provider,
    )

    assert parts["openNow"]["valueBoolean"] is True


def test_the_client_needs_its_secret_and_a_development_secret_is_refused_in_production() -> None:
    class Production(FrontDoorSettings):
        environment: str = "production"

    with pytest.raises(ValueError, match="both its id and its secret"):
        FrontDoorSettings(front_door_directory_client_id="portal-directory")
    with pytest.raises(ValueError, match="own system client secret in production"):
        Production(
            front_door_directory_client_id="portal-directory",
            front_door_directory_client_secret="development-only-portal-system-secret",
        )
    Production(
        front_door_directory_client_id="portal-directory",
        front_door_directory_client_secret="a-real-secret-from-the-vault",
    )
