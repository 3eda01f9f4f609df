"""Bearer token verification: from `Authorization: Bearer <jwt>` to a trusted `Principal`.

Every request to every service passes through `TokenVerifier.verify`, so this is the
place where the classic JWT mistakes are shut out once: only the asymmetric algorithms
named here are accepted (never `none`, never an HMAC algorithm whose "secret" could be
the issuer's public key), the key is chosen by the token's `kid` from the issuer's JWKS
and must suit the algorithm, and the issuer, audience and times (`exp` required;
`nbf`, `iat` when present) are checked with 30 seconds of leeway for clock skew. Every
failure is a 401 OperationOutcome whose text says what kind of problem it was without
echoing token contents. Successful verifications are remembered in a small LRU keyed
by the exact token string until the token expires, because clients reuse one token for
many requests and an RSA verification costs more than the rest of a cached read. (So
a key withdrawn from the JWKS stops new verifications at the next refetch, while tokens
already verified stay good until their `exp`, as with any relying party that caches.)
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Collection

import httpx
from joserfc import jws
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwt import JWTClaimsRegistry

from carecoord_shared.fhir.outcome import FhirError, unauthorized
from carecoord_shared.security.jwks import JwksCache, JwksUnavailable
from carecoord_shared.security.principal import InvalidClaims, Principal, principal_from_claims

__all__ = ["ALLOWED_ALGORITHMS", "LEEWAY_S", "TokenVerifier"]

ALLOWED_ALGORITHMS = ("RS256", "ES256")
"""The default; a deployment may narrow it or add another asymmetric algorithm below."""
_ASYMMETRIC = {"RS256": "RSA", "RS384": "RSA", "RS512": "RSA", "ES256": "EC", "ES384": "EC"}
LEEWAY_S = 30
_MAX_TOKEN_CHARS = 8192


class _VerifiedCache:
    """Principals of recently verified tokens, least recently used evicted first."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def get(self, token: str, now: float) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        principal, expires_at = entry
        if now >= expires_at:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return principal

    def put(self, token: str, principal: Principal, expires_at: float) -> None:
        if self._capacity <= 0:
            return
        self._entries[token] = (principal, expires_at)
        self._entries.move_to_end(token)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)


class TokenVerifier:
    """Verifies bearer JWTs from one issuer for one audience against the issuer's JWKS.

    Build one per app in the app factory (`app.state.token_verifier`); it holds the key
    set and the verified-token cache, both shared by all requests."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str,
        *,
        algorithms: Collection[str] = ALLOWED_ALGORITHMS,
        leeway_s: int = LEEWAY_S,
        cache_size: int = 4096,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        unsafe = set(algorithms) - _ASYMMETRIC.keys()
        if unsafe or not algorithms:
            raise ValueError(f"refusing token algorithms {sorted(unsafe)}: use RS256/ES256")
        self._algorithms = frozenset(algorithms)
        self._registry = jws.JWSRegistry(algorithms=list(algorithms), strict_check_header=False)
        self._claims = JWTClaimsRegistry(
            now=lambda: int(clock()),
            leeway=leeway_s,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        self._keys = JwksCache(jwks_url, transport=transport)
        self._cache = _VerifiedCache(cache_size)
        self._clock = clock

    async def verify(self, token: str) -> Principal:
        """The caller `token` proves, or FhirError 401 saying why it proves nothing."""
        if not token or len(token) > _MAX_TOKEN_CHARS:
            raise unauthorized("The bearer token is empty or too long")
        cached = self._cache.get(token, self._clock())
        if cached is not None:
            return cached
        claims = await self._verified_claims(token)
        try:
            principal = principal_from_claims(claims)
        except InvalidClaims as problem:  # its messages are ours and name no values
            raise unauthorized(str(problem)) from None
        expires_at = claims["exp"]
        assert isinstance(expires_at, int | float)  # checked by the claims registry
        self._cache.put(token, principal, float(expires_at))
        return principal

    async def _verified_claims(self, token: str) -> dict[str, object]:
        try:
            signed = jws.extract_compact(token.encode("ascii"), registry=self._registry)
            header = signed.headers()
        except (JoseError, ValueError, TypeError, UnicodeError):
            raise unauthorized("The bearer token is not a well-formed signed JWT") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self._algorithms:
            raise unauthorized("The bearer token's signing algorithm is not accepted")
        if "crit" in header:
            raise unauthorized("The bearer token uses critical header extensions we do not support")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise unauthorized("The bearer token does not name its signing key (kid)")
        try:
            key = await self._keys.key(kid)
        except JwksUnavailable:
            raise unauthorized(
                "The token issuer's signing keys are unavailable; retry shortly"
            ) from None
        if key is None:
            raise unauthorized("The bearer token was signed with a key the issuer does not publish")
        if key.key_type != _ASYMMETRIC[alg] or key.get("alg") not in (None, alg):
            raise unauthorized("The bearer token's algorithm does not match its signing key")
        try:
            valid = jws.validate_compact(signed, key, registry=self._registry)
        except (JoseError, ValueError, TypeError):
            valid = False
        if not valid:
            raise unauthorized("The bearer token's signature is not valid")
        return self._checked_claims(signed.payload)

    def _checked_claims(self, payload: bytes | None) -> dict[str, object]:
        try:
            claims = json.loads(payload or b"")
        except ValueError:
            claims = None
        if not isinstance(claims, dict):
            raise unauthorized("The bearer token's payload is not a JSON object")
        try:
            self._claims.validate(claims)
        except ExpiredTokenError:
            raise unauthorized("The bearer token has expired") from None
        except MissingClaimError:
            raise unauthorized(
                "The bearer token lacks a required claim (iss, aud, exp, sub)"
            ) from None
        except InvalidClaimError as problem:
            raise _claim_problem(problem.claim) from None
        return claims


def _claim_problem(claim: str) -> FhirError:
    texts = {
        "iss": "The bearer token was not issued by the issuer this service trusts",
        "aud": "The bearer token is not meant for this service (audience)",
        "nbf": "The bearer token is not valid yet",
        "iat": "The bearer token is not valid yet (issued in the future)",
    }
    return unauthorized(texts.get(claim, f"The bearer token's '{claim}' claim is not valid"))
