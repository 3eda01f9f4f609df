"""Static files for the web pages: nhsuk-frontend and htmx from npm, and our own scripts.

The design system's CSS, JavaScript and images are served from the npm packages that
`make` installs with `npm ci` (services/portal/frontend, pinned by its lock), never
from a CDN: the CSP allows only this origin, and a clinical system must not depend on a
third party's uptime to draw its pages. nhsuk-frontend's CSS refers to its images as
`/assets/images/...`, hence that mount. Assets are public and versioned by the lock, so
they may be cached for an hour; each is served with `nosniff`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from portal.web.config import DEFAULT_NODE_MODULES

__all__ = ["OWN_STATIC", "mount_web_assets"]

OWN_STATIC = Path(__file__).parent / "static"


class _Assets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=3600"
        return response


def mount_web_assets(app: FastAPI, node_modules: Path = DEFAULT_NODE_MODULES) -> None:
    """Mount `/assets`, `/static/nhsuk`, `/static/htmx` and `/static/portal` on `app`."""
    nhsuk = node_modules / "nhsuk-frontend" / "dist" / "nhsuk"
    htmx = node_modules / "htmx.org" / "dist"
    if not (nhsuk / "nhsuk-frontend.min.css").is_file() or not (htmx / "htmx.min.js").is_file():
        raise RuntimeError(
            f"The portal's browser assets are missing from {node_modules}: run `make frontend` "
            "(npm ci in services/portal/frontend)"
        )
    app.mount("/assets", _Assets(directory=nhsuk / "assets"), name="nhsuk-assets")
    app.mount("/static/nhsuk", _Assets(directory=nhsuk), name="nhsuk-static")
    app.mount("/static/htmx", _Assets(directory=htmx), name="htmx-static")
    app.mount("/static/portal", _Assets(directory=OWN_STATIC), name="portal-static")
