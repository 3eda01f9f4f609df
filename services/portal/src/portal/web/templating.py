"""Page rendering: the NHS.UK design system's Jinja macros, whole pages or HTMX partials.

The environment chains our templates with `nhsuk_frontend_jinja`'s (the port of
nhsuk-frontend 10.6.1's macros) and uses `ChainableUndefined`, as that package's
documentation asks, so optional macro parameters may be left out. Autoescape is on for
every template. `jinja2_fragments` renders only the `content` block when HTMX asks for a
partial swap (`HX-Request` without `HX-Request-Type: full`), so a screen is one
template serving both the full page (JavaScript off) and the fragment (on). Imports of
macros used inside `content` must sit inside that block, or the partial cannot see them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request, Response
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader
from jinja2_fragments.fastapi import Jinja2Blocks

__all__ = ["TEMPLATES", "Pages", "wants_partial"]

TEMPLATES = Path(__file__).parent / "templates"
_PARTIAL_BLOCK = "content"


def wants_partial(request: Request) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Request-Type") != "full"
    )


class Pages:
    """Renders the web package's templates with what every page needs in its context."""

    def __init__(self, service_name: str = "CareCoord") -> None:
        env = Environment(
            loader=ChoiceLoader(
                [FileSystemLoader(TEMPLATES), PackageLoader("nhsuk_frontend_jinja")]
            ),
            undefined=ChainableUndefined,
            autoescape=True,
            auto_reload=False,  # compiled once per process: no file checks on each page
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._templates = Jinja2Blocks(env=env)
        self._service_name = service_name

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        status_code: int = 200,
    ) -> Response:
        context = {"service_name": self._service_name, **context}
        block = _PARTIAL_BLOCK if wants_partial(request) else None
        response = self._templates.TemplateResponse(
            request, name, context, status_code=status_code, block_name=block
        )
        response.headers["Vary"] = "HX-Request, HX-Request-Type"
        return response
