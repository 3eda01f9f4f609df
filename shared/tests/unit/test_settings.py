"""Settings refuse the development defaults outside development, and resolve URLs once."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from carecoord_shared.settings import DEV_ISSUER, ServiceSettings

PRODUCTION = {
    "environment": "production",
    "auth_issuer": "https://auth.example.nhs.uk",
    "auth_jwks_url": "https://auth.example.nhs.uk/jwks.json",
    "auth_server_url": "https://auth.example.nhs.uk/oauth2",
    "auth_audience": "carecoord-referrals",
    "webhook_signing_secret": "a-real-secret-from-the-vault",
    "database_url": "postgresql+asyncpg://svc@db.internal/referrals",
}


def test_production_settings_with_real_values_are_accepted() -> None:
    settings = ServiceSettings(**PRODUCTION)

    assert settings.db_url == PRODUCTION["database_url"]


@pytest.mark.parametrize(
    ("override", "refused"),
    [
        ({"auth_issuer": DEV_ISSUER}, "development token issuer"),
        ({"auth_jwks_url": "file:///tmp/jwks.json"}, "https JWKS"),
        ({"auth_jwks_url": None}, "https JWKS"),
        ({"webhook_signing_secret": "development-only-webhook-secret"}, "webhook signing secret"),
        ({"auth_server_url": "http://127.0.0.1:8090"}, "https authorisation server"),
        ({"auth_audience": "carecoord"}, "audience of this service's own"),
    ],
    ids=["dev-issuer", "file-jwks", "no-jwks", "default-secret", "http-auth-server", "shared-aud"],
)
def test_production_refuses_development_defaults(override: dict[str, object], refused: str) -> None:
    with pytest.raises(ValidationError, match=refused):
        ServiceSettings(**(PRODUCTION | override))


def test_development_defaults_point_at_the_local_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CARECOORD_PG_PORT", "5999")

    settings = ServiceSettings(database_name="mdt", port=8003)

    assert settings.db_url == "postgresql+asyncpg://postgres@127.0.0.1:5999/mdt"
    assert settings.fhir_base == "http://127.0.0.1:8003/fhir"


def test_a_service_names_its_database_and_keeps_the_kernels_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CARECOORD_PG_PORT", "5999")
    monkeypatch.setenv("EXAMPLE_PORT", "8123")

    class ExampleSettings(ServiceSettings):
        model_config = SettingsConfigDict(env_prefix="EXAMPLE_")

        service_name: str = "example_service"

    settings = ExampleSettings(unknown_setting="ignored")  # type: ignore[call-arg]

    assert settings.port == 8123  # its own prefix
    assert settings.database_name == "example_service"
    assert settings.db_url == "postgresql+asyncpg://postgres@127.0.0.1:5999/example_service"
    with pytest.raises(ValidationError, match="frozen"):
        settings.port = 1  # type: ignore[misc]
