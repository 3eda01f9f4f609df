"""What the portal's web face needs to know, passed in explicitly rather than read at import.

The router is built by the portal's app factory (or a test) from settings the factory
owns; keeping the values in one frozen object means the web package never reads the
environment and two apps with different providers can live in one process (the tests do
that). Production values (CIS2 or NHS login as issuer, the client secret, the CSRF
secret) come from the portal's settings; `secure_cookies` is true everywhere except
development over plain http.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["DEFAULT_NODE_MODULES", "WebConfig"]

DEFAULT_NODE_MODULES = Path(__file__).resolve().parents[3] / "frontend" / "node_modules"
"""`services/portal/frontend/node_modules`, installed by `make` with `npm ci`."""


@dataclass(frozen=True, slots=True)
class WebConfig:
    """The web face's settings: its OIDC client registration, URLs, secrets and limits."""

    oidc_issuer: str
    """The provider's issuer URL; discovery is read from `/.well-known/openid-configuration`."""
    client_id: str
    client_secret: str = field(repr=False)
    public_base_url: str
    """Where browsers reach the portal (the redirect URI is built from it)."""
    csrf_secret: bytes = field(repr=False)
    """Key for the CSRF tokens (at least 32 random bytes; the same in every API process)."""
    secure_cookies: bool = True
    """Secure cookies with the `__Host-` prefix and HSTS; false only for development over http."""
    idle_timeout_s: int = 30 * 60
    max_session_s: int = 12 * 60 * 60
    """A session also ends when the access token does, whichever comes first."""
    scopes: str = "openid profile email"
    node_modules: Path = DEFAULT_NODE_MODULES
    provider_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if len(self.csrf_secret) < 32:
            raise ValueError("the CSRF secret must be at least 32 bytes")
        if self.idle_timeout_s <= 0 or self.max_session_s <= 0:
            raise ValueError("session timeouts must be positive")
        object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
        object.__setattr__(self, "oidc_issuer", self.oidc_issuer.rstrip("/"))

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_base_url}/auth/callback"

    @property
    def signed_out_uri(self) -> str:
        return f"{self.public_base_url}/auth/signed-out"

    @property
    def issuer_origin(self) -> str:
        parts = urlsplit(self.oidc_issuer)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def session_cookie(self) -> str:
        # `__Host-` binds the cookie to this exact host over https, with Path=/.
        return "__Host-carecoord_session" if self.secure_cookies else "carecoord_session"

    @property
    def csrf_cookie(self) -> str:
        return "__Host-carecoord_csrf" if self.secure_cookies else "carecoord_csrf"

    @property
    def login_cookie(self) -> str:
        return "__Host-carecoord_login" if self.secure_cookies else "carecoord_login"
