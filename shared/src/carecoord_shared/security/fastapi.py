"""FastAPI integration: who is calling (`CurrentPrincipal`) and may they do this (`require`).

Routes stay thin and never parse headers or scopes themselves: a route declares
`principal: CurrentPrincipal`, and the dependency reads `Authorization: Bearer <jwt>`
and verifies it with the `TokenVerifier` the app factory stored in
`app.state.token_verifier` (built once per app, never at import). A missing or
malformed header is a 401 OperationOutcome like any bad token. `require` is the scope
check a handler makes before acting; the relationship check is `access`. Nothing here
knows about any service, so every service wires security the same way.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from carecoord_shared.fhir.outcome import forbidden, unauthorized
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import Interaction, operation_interaction
from carecoord_shared.security.tokens import TokenVerifier

__all__ = [
    "CurrentPrincipal",
    "OptionalPrincipal",
    "current_principal",
    "optional_principal",
    "require",
    "require_operation",
]

_VERBS = {"c": "create", "r": "read", "u": "update", "d": "delete", "s": "search"}

# auto_error=False: we raise our own FHIR 401; the scheme still documents itself in OpenAPI.
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A JWT from CIS2 (staff), NHS login (patients) or client credentials (systems)",
)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified caller of this request (FhirError 401 when there is none)."""
    if credentials is None:
        raise unauthorized("An 'Authorization: Bearer <token>' header is required")
    verifier = getattr(request.app.state, "token_verifier", None)
    if not isinstance(verifier, TokenVerifier):
        raise RuntimeError("the app factory must store a TokenVerifier in app.state")
    principal = await verifier.verify(credentials.credentials)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def optional_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The verified caller, or None for a request with no token at all (a bad token is
    still a 401: only its absence is allowed, where an operation says so)."""
    if credentials is None:
        return None
    return await current_principal(request, credentials)


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require(principal: Principal, resource_type: str, interaction: Interaction) -> None:
    """Raise FhirError 403 unless the caller's scopes allow `interaction` on `resource_type`."""
    if not principal.allows(resource_type, interaction):
        raise forbidden(
            f"Your access does not allow you to {_VERBS[interaction]} {resource_type} resources"
        )


def require_operation(
    principal: Principal, resource_type: str, operation: str, *, changes_state: bool
) -> None:
    """Raise FhirError 403 unless the caller may invoke `$operation` on `resource_type`.

    An operation that changes state needs `u` on the type, a read-only one `r`."""
    if not principal.allows(resource_type, operation_interaction(changes_state)):
        raise forbidden(
            f"Your access does not allow you to invoke ${operation.lstrip('$')} on {resource_type}"
        )
