"""What every write and read of the unit of work checks first: scope, shape, rules.

The declared type must support the interaction and the caller's SMART scopes must
allow it; a body must be valid R4 of that type with valid NHS numbers and pass the
type's own validators. Kept apart from the unit of work so the in-memory fake and the
PostgreSQL unit of work apply exactly the same checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import sqlalchemy as sa

from carecoord_shared.fhir.identifiers import nhs_number_issues
from carecoord_shared.fhir.outcome import (
    Issue,
    JsonObject,
    bad_request,
    forbidden,
    invalid,
    method_not_allowed,
    unknown_route,
)
from carecoord_shared.fhir.parsing import validate_resource
from carecoord_shared.fhir.registry import Check, FhirRegistry, Interaction, ResourceDefinition
from carecoord_shared.security import access
from carecoord_shared.security.audit import AuditAction
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import Interaction as ScopeLetter
from carecoord_shared.store.repository import AccessRule, StoredResource
from carecoord_shared.store.tables import resource, search_index

__all__ = ["AUDIT_ACTION", "Creation", "NewBodies", "access_rule", "checked"]
__all__ += ["checked_new", "definition_for", "patients_of"]

Creation = tuple[str, JsonObject, str | None, Check]
"""A resource to create: its type, body, the id chosen for it beforehand, checks due."""
NewBody = tuple[ResourceDefinition, JsonObject, str | None]
"""A resource to store: its declared type, body and the id chosen for it (or None)."""
NewBodies = Sequence[NewBody]

_LETTER: dict[Interaction, ScopeLetter] = {
    Interaction.READ: "r",
    Interaction.VREAD: "r",
    Interaction.HISTORY: "r",
    Interaction.SEARCH: "s",
    Interaction.CREATE: "c",
    Interaction.UPDATE: "u",
    Interaction.PATCH: "u",
    Interaction.DELETE: "d",
}
AUDIT_ACTION: dict[str, AuditAction] = {"create": "C", "update": "U", "delete": "D"}


def access_rule(principal: Principal) -> AccessRule:
    return partial(access.patient_access_predicate, principal)


def owned_access_rule(principal: Principal, rule: AccessRule) -> AccessRule:
    """The rule for `owned` types: only the owning client, an administrator or the
    service itself."""
    if principal.internal or principal.role == "admin":
        return rule
    owner = search_index.alias("owner_check")
    owned = sa.exists().where(
        owner.c.res_pk == resource.c.pk,
        owner.c.param == "_owner",
        owner.c.value == principal.subject,
    )
    return lambda column: sa.and_(rule(column), owned)


def patients_of(resources: Sequence[StoredResource]) -> list[str]:
    return sorted({r.patient_nhs for r in resources if r.patient_nhs})


_INSTANCE_METHODS = (
    (Interaction.READ, "GET, HEAD"),
    (Interaction.UPDATE, "PUT"),
    (Interaction.PATCH, "PATCH"),
    (Interaction.DELETE, "DELETE"),
)
_TYPE_METHODS = ((Interaction.SEARCH, "GET, HEAD"), (Interaction.CREATE, "POST"))


def allowed_methods(definition: ResourceDefinition, refused: Interaction) -> str:
    """The `Allow` header of a 405: what the type does support at the level asked."""
    level = (
        _TYPE_METHODS if refused in (Interaction.SEARCH, Interaction.CREATE) else _INSTANCE_METHODS
    )
    return ", ".join(m for i, m in level if i in definition.interactions)


def definition_for(
    registry: FhirRegistry, principal: Principal, resource_type: str, interaction: Interaction
) -> ResourceDefinition:
    """The declared type, if it supports `interaction` and the caller's scopes allow it."""
    found = registry.get(resource_type)
    if found is None:
        raise unknown_route(f"This server does not serve {resource_type[:40]} resources")
    if interaction not in found.interactions:
        error = method_not_allowed(f"{interaction.value} is not supported for {resource_type}")
        error.headers["Allow"] = allowed_methods(found, interaction)
        raise error
    if not principal.allows(resource_type, _LETTER[interaction]):
        raise forbidden(f"Your access does not allow {interaction.value} on {resource_type}")
    return found


_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S")
_CONTACT_POINT_SYSTEMS = frozenset({"phone", "fax", "email", "pager", "url", "sms", "other"})
"""ContactPoint.system is a code, not a URI."""


def relative_system_issues(value: Any, where: str) -> list[Issue]:
    """Every code and identifier system must be an absolute URI (R4: a relative one has
    no meaning outside this server)."""
    found: list[Issue] = []
    if isinstance(value, dict):
        system = value.get("system")
        relative = isinstance(system, str) and not _ABSOLUTE.match(system)
        if relative and system not in _CONTACT_POINT_SYSTEMS:
            text = f"{where}.system must be an absolute URI"
            found.append(Issue("value", text, (f"{where}.system",)))
        for key, child in value.items():
            found.extend(relative_system_issues(child, f"{where}.{key}"))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(relative_system_issues(child, f"{where}[{index}]"))
    return found


def checked(
    definition: ResourceDefinition,
    body: JsonObject,
    resource_id: str | None,
    *,
    check: Check = "full",
) -> JsonObject:
    """Valid R4 of the right type, matching id, valid NHS numbers, the type's own rules;
    as much of it as `check` says is still due."""
    if check == "done":
        return body
    if check != "server_built":
        validate_resource(body, definition.type)
    if resource_id is not None and body.get("id") not in (None, resource_id):
        raise bad_request("The resource id does not match the URL", (f"{definition.type}.id",))
    issues = nhs_number_issues(body) + relative_system_issues(body, definition.type)
    for rule in definition.validators:
        issues.extend(rule(body))
    if issues:
        raise invalid(issues)
    return body


def checked_new(
    definition_of: Callable[[str], ResourceDefinition], new: Sequence[Creation]
) -> list[NewBody]:
    """Each new body checked as its `Check` says, its own id dropped (the store's or the
    one chosen beforehand is given): the bodies ready to store."""
    ready: list[NewBody] = []
    for resource_type, body, resource_id, check in new:
        definition = definition_of(resource_type)
        checked(definition, body, None, check=check)
        body.pop("id", None)
        ready.append((definition, body, resource_id))
    return ready
