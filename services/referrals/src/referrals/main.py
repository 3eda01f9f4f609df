"""The referrals service: advice & guidance, referral triage, the service directory.

`create_app` builds the FastAPI app from settings (nothing happens at import);
`cli` runs it under uvicorn for `make run` and the container image.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI

from carecoord_shared.web.app import create_service_app
from carecoord_shared.web.server import serve
from referrals.api import advice
from referrals.api.operations import OPERATIONS, router
from referrals.api.resources import build_registry
from referrals.service.context import Referrals
from referrals.settings import ReferralsSettings
from referrals.store.tables import MIGRATIONS


def build_context(
    settings: ReferralsSettings, clock: Callable[[], datetime] | None = None
) -> Referrals:
    return Referrals(
        topic=settings.topic,
        imminent_working_days=settings.breach_warning_working_days,
        advice_call_minutes=settings.advice_call_access_minutes,
        max_attachment_bytes=settings.max_attachment_bytes,
        now=clock or (lambda: datetime.now(UTC)),
    )


def create_app(
    settings: ReferralsSettings | None = None, *, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    """The app; `clock` pins "now" for the response clock (tests only)."""
    settings = settings or ReferralsSettings()
    context = build_context(settings, clock)
    registry = build_registry(context).declare(*OPERATIONS, *advice.OPERATIONS)
    app = create_service_app(
        settings,
        registry,
        title="CareCoord referrals",
        description="Advice & guidance and referral triage, the service directory and "
        "paramedic advice lines, as FHIR R4.",
        routers=[router, advice.router],
        migrations=MIGRATIONS,
    )
    app.state.referrals = context
    return app


def cli() -> None:
    serve(create_app, ReferralsSettings())
