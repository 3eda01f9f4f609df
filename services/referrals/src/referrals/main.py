"""The referrals service: advice & guidance, referral triage, the service directory.

`create_app` builds the FastAPI app from settings (nothing happens at import);
`cli` runs it under uvicorn for `make run` and the container image.
"""

from __future__ import annotations

from fastapi import FastAPI

from carecoord_shared.web.app import create_service_app
from carecoord_shared.web.server import serve
from referrals.api.resources import build_registry
from referrals.settings import ReferralsSettings


def create_app(settings: ReferralsSettings | None = None) -> FastAPI:
    settings = settings or ReferralsSettings()
    return create_service_app(
        settings,
        build_registry(settings),
        title="CareCoord referrals",
        description="Advice & guidance and referral triage, the service directory and "
        "paramedic advice lines, as FHIR R4.",
    )


def cli() -> None:
    serve(create_app, ReferralsSettings())
