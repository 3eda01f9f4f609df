"""Response rules every web page obeys, applied in one place so no route can forget them.

`web_route_class` wraps each route of the web router: an early exit (`WebExit`: sign-in
required, CSRF refused) becomes its response, cookies queued during the request are
set, and every response gets the security headers: a Content Security Policy with no
inline script or style and `frame-ancestors 'none'`, `nosniff`, no referrer, and
`Cache-Control: no-store` (pages may show patient data; none may sit in a shared or
back-button cache). `form-action` also names the identity provider's origin, because
a browser applies it to the redirects that follow a form post (sign-out ends there).
The FHIR API keeps its own handlers: none of this touches it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

__all__ = [
    "CookieJar",
    "WebExit",
    "add_page",
    "content_security_policy",
    "security_headers",
    "web_route_class",
]


class WebExit(Exception):
    """Stop handling this request and answer with `response` (raised from dependencies)."""

    def __init__(self, response: Response) -> None:
        super().__init__("web exit")
        self.response = response


@dataclass(frozen=True, slots=True)
class _Cookie:
    name: str
    value: str | None
    max_age: int | None


class CookieJar:
    """Cookies to set (or clear) on whatever response the request ends with."""

    def __init__(self, secure: bool) -> None:
        self._secure = secure
        self._cookies: list[_Cookie] = []

    def set(self, name: str, value: str, max_age: int | None = None) -> None:
        self._cookies.append(_Cookie(name, value, max_age))

    def clear(self, name: str) -> None:
        self._cookies.append(_Cookie(name, None, None))

    def apply(self, response: Response) -> None:
        for cookie in self._cookies:
            if cookie.value is None:
                response.delete_cookie(
                    cookie.name, path="/", secure=self._secure, httponly=True, samesite="lax"
                )
                continue
            response.set_cookie(
                cookie.name,
                cookie.value,
                max_age=cookie.max_age,
                path="/",
                secure=self._secure,
                httponly=True,
                samesite="lax",
            )


def content_security_policy(provider_origin: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"form-action 'self' {provider_origin}",
            "frame-ancestors 'none'",
        )
    )


def security_headers(provider_origin: str, https: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(provider_origin),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        "Cache-Control": "no-store",
    }
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def web_route_class(
    provider_origin: str, https: bool, state: Mapping[str, object] | None = None
) -> type[APIRoute]:
    """An APIRoute class applying the rules above (one per router: the headers differ).

    `state` is put on `request.state` before dependencies run: how module-level
    handlers reach the collaborators of the router they belong to."""
    headers = security_headers(provider_origin, https)
    values = dict(state or {})

    class WebRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                for name, value in values.items():
                    setattr(request.state, name, value)
                request.state.cookies = CookieJar(https)
                try:
                    response = await handler(request)
                except WebExit as early:
                    response = early.response
                request.state.cookies.apply(response)
                response.headers.update(headers)
                return response

            return guarded

    return WebRoute


def add_page(
    router: APIRouter,
    path: str,
    *,
    get: Callable[..., Any] | None = None,
    post: Callable[..., Any] | None = None,
) -> None:
    """One address of the web pages: `get` shows it, `post` takes what its form sends."""
    for method, handler in (("GET", get), ("POST", post)):
        if handler is not None:
            router.add_api_route(path, handler, methods=[method])
