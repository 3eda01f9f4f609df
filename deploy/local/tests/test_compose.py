"""docker-compose.yml, checked where no Docker engine runs: every URL the portal and its
worker call names a compose service on the port that service listens on, and the
sign-in provider's `localhost` issuer URL is only used from the network it lives on, and
its PostgreSQL runs with the settings the local stack's does."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from carecoord_devstack.paths import repo_root
from carecoord_devstack.postgres import TUNING

SERVICES_CALLED = ("PORTAL_REFERRALS_URL", "PORTAL_CARE_PLANS_URL", "PORTAL_MDT_URL")


def _compose() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load((repo_root() / "docker-compose.yml").read_text())[
        "services"
    ]
    return services


def _listening_port(service: dict[str, Any]) -> str:
    env = service["environment"]
    return next(str(value) for key, value in env.items() if key.endswith("_PORT"))


@pytest.mark.parametrize("name", ["portal", "portal-worker"])
def test_the_portal_and_its_worker_reach_each_service_by_its_compose_name(name: str) -> None:
    services = _compose()
    env = services[name]["environment"]
    for setting in SERVICES_CALLED:
        url = urlsplit(env[setting])
        assert url.hostname in services, f"{name} {setting}: {url.hostname} is no service"
        assert str(url.port) == _listening_port(services[url.hostname]), setting


def test_system_clients_name_their_issuer_and_reach_it() -> None:
    services = _compose()
    provider = services["oidc-provider"]
    assert provider["network_mode"] == "service:portal"
    for name, service in services.items():
        env = service.get("environment") or {}
        if "PORTAL_FRONT_DOOR_DIRECTORY_CLIENT_ID" in env:  # a system client needs its issuer
            assert "PORTAL_OIDC_ISSUER" in env, name
        if any("localhost:8090" in str(value) for value in env.values()):
            assert name == "portal" or service.get("network_mode") == "service:portal", name


def test_postgres_runs_with_the_local_stacks_settings() -> None:
    command = _compose()["postgres"]["command"]
    assert command[0] == "postgres"
    assert command[1::2] == ["-c"] * len(TUNING)
    assert command[2::2] == [f"{name}={value}" for name, value in TUNING]
