"""The small cryptographic pieces of sign-in and forms, kept pure so they are unit-tested alone.

- PKCE (RFC 7636, S256 only): a fresh verifier per sign-in, its challenge sent to the
  provider, the verifier sent only with the code, so a stolen code is useless.
- `state` and `nonce`: unguessable values; state binds the callback to the browser that
  began the sign-in (it must equal the login cookie), nonce binds the ID token to it.
- Session ids: 256 random bits in the cookie, only their SHA-256 in the database, so a
  copy of the table holds no usable session.
- CSRF tokens: an HMAC of the session id (or, before sign-in, of a random per-browser
  cookie) under a server secret. Nothing extra is stored, every form in every tab shares
  one valid token, and a token taken from another session or forged fails.
- `safe_return_to`: only local paths, so sign-in cannot be turned into an open redirect.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

__all__ = [
    "CsrfTokens",
    "Pkce",
    "hash_id",
    "new_pkce",
    "random_token",
    "s256",
    "safe_return_to",
]

_MAX_RETURN_TO = 512


def random_token(num_bytes: int = 32) -> str:
    """An unguessable URL-safe value (256 bits by default)."""
    return secrets.token_urlsafe(num_bytes)


def hash_id(value: str) -> str:
    """How a session id or state is stored: its SHA-256, hex."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Pkce:
    verifier: str
    challenge: str
    method: str = "S256"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_pkce() -> Pkce:
    """A verifier of 43 unreserved characters (256 bits) and its S256 challenge."""
    verifier = random_token(32)
    return Pkce(verifier, s256(verifier))


class CsrfTokens:
    """Issues and checks CSRF tokens bound to one session (or pre-sign-in browser)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the CSRF secret must be at least 32 bytes")
        self._secret = secret

    def issue(self, binding: str) -> str:
        mac = hmac.new(self._secret, b"csrf:" + binding.encode("utf-8"), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")

    def valid(self, binding: str | None, token: str | None) -> bool:
        if not binding or not token or len(token) > 128:
            return False
        return hmac.compare_digest(self.issue(binding), token)


def safe_return_to(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site, else `default` (no scheme, host or `//`)."""
    if not value or len(value) > _MAX_RETURN_TO or not value.startswith("/"):
        return default
    if value.startswith(("//", "/\\")) or any(ch in value for ch in "\\\r\n\t"):
        return default
    return value
