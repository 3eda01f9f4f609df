"""Service settings shared by every CareCoord service.

Each service subclasses `ServiceSettings` with its own environment prefix
(`REFERRALS_`, ...), name (which names its database too), port and topic. Settings
are built in the service's `create_app`/worker entry point, never at import. Outside
development and test the settings refuse the local development issuer and default
secrets, so a production deployment cannot start with them by accident.
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]

DEV_ISSUER = "https://carecoord.local/dev-issuer"
DEV_WEBHOOK_SECRET = "development-only-webhook-secret"  # noqa: S105 - refused outside development


def _development_oidc_url() -> str:
    port = os.environ.get("CARECOORD_OIDC_PORT", "8090")
    return os.environ.get("CARECOORD_OIDC_URL", f"http://127.0.0.1:{port}")


class ServiceSettings(BaseSettings):
    """What every service needs: where its database and Kafka are, and who it trusts."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "service"
    environment: Environment = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    http_workers: int = Field(default=1, ge=1, le=16)
    """API processes (uvicorn workers); each builds the app from the environment."""
    public_base_url: str | None = None
    database_name: str = ""
    """The service's own database (default: named as the service, `service_name`)."""
    database_url: str | None = None
    database_pool_size: int = 10
    statement_timeout_ms: int = Field(default=15_000, ge=100)
    """Longest an API statement may run before PostgreSQL cancels it (503, Retry-After)."""
    inbox_retention_days: float = Field(default=7.0, gt=0)
    """How long applied event ids are kept: as long as the topics keep records."""
    rate_limit_per_client: float = Field(default=2000.0, gt=0)
    """Requests per second one client (one set of credentials) may make to one process."""
    failed_sign_ins_per_minute: float = Field(default=60.0, gt=0)
    """Failed sign-ins (401s) one address may have per minute before it is throttled."""
    ops_endpoints: bool | None = None
    """Serve /docs, /openapi.json and /metrics publicly (default: everywhere but
    production, where they belong behind the operators' network)."""
    worker_port: int = 0
    """Where the worker serves /healthz, /readyz and /metrics (0: the API port + 100)."""
    worker_instance_id: str | None = None
    """This worker replica's stable name (a StatefulSet pod's, a compose service's): Kafka
    static membership, so a restarted worker takes its partitions back at once instead of
    waiting out its old session and a rebalance. Unique per replica; None: dynamic."""
    topic: str = ""
    """The Kafka topic this service publishes on (each service sets its own)."""
    kafka_bootstrap_servers: str = Field(
        default_factory=lambda: os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    max_body_bytes: int = 1_048_576
    auth_issuer: str = DEV_ISSUER
    auth_audience: str = "carecoord"
    auth_jwks_url: str | None = Field(default_factory=lambda: os.environ.get("CARECOORD_JWKS_URL"))
    auth_server_url: str = Field(
        default_factory=lambda: os.environ.get(
            "CARECOORD_OIDC_URL",
            f"http://127.0.0.1:{os.environ.get('CARECOORD_OIDC_PORT', '8090')}",
        )
    )
    """Where clients authorise and get tokens (SMART discovery, CapabilityStatement)."""
    webhook_signing_secret: str = DEV_WEBHOOK_SECRET
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _resolve_and_refuse_development_defaults(self) -> ServiceSettings:
        if not self.database_name:
            object.__setattr__(self, "database_name", self.service_name)
        if self.database_url is None:
            url = os.environ.get("DATABASE_URL") or (
                "postgresql+asyncpg://postgres@127.0.0.1:"
                f"{os.environ.get('CARECOORD_PG_PORT', '5433')}/{self.database_name}"
            )
            object.__setattr__(self, "database_url", url)
        if self.public_base_url is None:
            object.__setattr__(self, "public_base_url", f"http://{self.host}:{self.port}")
        if self.environment == "production":
            if self.auth_issuer == DEV_ISSUER:
                raise ValueError("the development token issuer is refused in production")
            if self.auth_jwks_url is None or self.auth_jwks_url.startswith("file:"):
                raise ValueError("production needs an https JWKS URL for its token issuer")
            if self.auth_audience == "carecoord":
                raise ValueError(
                    "production needs an audience of this service's own (e.g. carecoord-"
                    f"{self.service_name.replace('_', '-')}): a token for one service must "
                    "not work on another"
                )
            if not self.auth_server_url.startswith("https://"):
                raise ValueError("production needs an https authorisation server URL")
            if self.webhook_signing_secret == DEV_WEBHOOK_SECRET:
                raise ValueError("set a real webhook signing secret in production")
        return self

    @property
    def ops_endpoints_public(self) -> bool:
        if self.ops_endpoints is None:
            return self.environment != "production"
        return self.ops_endpoints

    @property
    def db_url(self) -> str:
        assert self.database_url is not None  # set by the validator above
        return self.database_url

    @property
    def fhir_base(self) -> str:
        return f"{self.public_base_url}/fhir"
