"""The referrals API process: the kernel's app built from the service's declaration.

`create_app` builds the FastAPI app from settings (nothing happens at import);
`cli` runs it under uvicorn for `make run` and the container image.
"""

from __future__ import annotations

from fastapi import FastAPI

from carecoord_shared.service import Clock, system_clock
from carecoord_shared.web.app import build_app
from carecoord_shared.web.server import serve
from referrals.definition import SERVICE
from referrals.settings import ReferralsSettings


def create_app(settings: ReferralsSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The app; `clock` pins "now" for the response clock (tests only)."""
    return build_app(SERVICE, settings or ReferralsSettings(), clock=clock or system_clock)


def cli() -> None:
    serve(create_app, ReferralsSettings())
