"""`/fhir/metadata`: the CapabilityStatement, generated from the registry.

Nothing here is written by hand per service: resource types, interactions, search
parameters, includes and operations all come from the declarations the router and
search engine actually use, so the statement cannot claim more than the server does.
"""

from __future__ import annotations

from datetime import UTC, datetime

from carecoord_shared.fhir.audit_routes import AUDIT_SEARCH_PARAMS
from carecoord_shared.fhir.definitions import DEFINITION_SEARCH_PARAMS
from carecoord_shared.fhir.operation_definition import definition_url
from carecoord_shared.fhir.operations import Operation
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.parsing import FHIR_VERSION
from carecoord_shared.fhir.registry import FhirRegistry, Interaction, ResourceDefinition

_COMMON_SEARCH = (
    ("_id", "token", "Logical id of the resource"),
    ("_lastUpdated", "date", "When the resource last changed"),
)
_RESULT_PARAMETERS = (
    (
        "_summary",
        "token",
        "Every type, search and read: true (the summary elements), text, data (no "
        "narrative), count (search only) or false. Subsetted resources carry the SUBSETTED tag",
    ),
    (
        "_elements",
        "special",
        "Every type, search and read: the top-level elements to return (mandatory ones "
        "always come). Not with _summary; an element the type does not have is a 400",
    ),
)
"""Parameters that shape the result rather than select it, for every type (rest.searchParam)."""


_AUDIT: JsonObject = {
    "type": "AuditEvent",
    "documentation": "Who did what to which patient's record (read-only): information "
    "governance staff see all; a patient sees who looked at their own record.",
    "interaction": [{"code": "read"}, {"code": "search-type"}],
    "searchParam": [
        {"name": name, "type": kind, "documentation": text}
        for name, kind, text in AUDIT_SEARCH_PARAMS
    ],
}


def _published_types(registry: FhirRegistry) -> list[JsonObject]:
    kinds = sorted({kind for kind, _ in registry.published})
    return [
        {
            "type": kind,
            "documentation": f"The {kind}s this service publishes (read-only, no token needed).",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {"name": name, "type": kind, "documentation": text}
                for name, kind, text in DEFINITION_SEARCH_PARAMS
            ],
        }
        for kind in kinds
    ]


def _operation_only_types(registry: FhirRegistry) -> list[JsonObject]:
    """Types this service does not store but offers operations on (a summary of a
    Patient that another service owns): an entry with just those operations."""
    served = {d.type for d in registry.all()}
    others = sorted({op.resource for op in registry.operations if op.resource} - served)
    return [
        {
            "type": kind,
            "operation": [_operation(op) for op in registry.operations if op.resource == kind],
        }
        for kind in others
    ]


def _operation(operation: Operation) -> JsonObject:
    return {
        "name": operation.code,
        "definition": definition_url(operation),
        "documentation": operation.documentation,
    }


def _resource(registry: FhirRegistry, definition: ResourceDefinition) -> JsonObject:
    params = [
        {"name": name, "type": kind, "documentation": text} for name, kind, text in _COMMON_SEARCH
    ]
    params.extend(
        {"name": p.name, "type": p.type, "documentation": p.documentation or p.expression}
        for p in definition.search_params
    )
    entry: JsonObject = {
        "type": definition.type,
        "interaction": [
            *({"code": i.value} for i in sorted(definition.interactions)),
            *([{"code": "history-type"}] if Interaction.HISTORY in definition.interactions else []),
        ],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": definition.update_create and Interaction.UPDATE in definition.interactions,
        "conditionalCreate": definition.conditional_create,
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "searchInclude": [f"{definition.type}:{p.name}" for p in definition.reference_params],
        "searchRevInclude": [
            f"{other.type}:{p.name}"
            for other in registry.all()
            for p in other.reference_params
            if definition.type in p.targets
        ],
        "searchParam": params,
    }
    if definition.documentation:
        entry["documentation"] = definition.documentation
    operations = [_operation(op) for op in registry.operations if op.resource == definition.type]
    if operations:
        entry["operation"] = operations
    return entry


def _oauth_uris(auth_server: str | None) -> list[JsonObject]:
    if auth_server is None:
        return []
    server = auth_server.rstrip("/")
    return [
        {
            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
            "extension": [
                {"url": "authorize", "valueUri": f"{server}/authorize"},
                {"url": "token", "valueUri": f"{server}/token"},
            ],
        }
    ]


def capability_statement(
    registry: FhirRegistry, base_url: str, software: str, auth_server: str | None = None
) -> JsonObject:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": datetime.now(UTC).date().isoformat(),
        "kind": "instance",
        "software": {"name": software, "version": "0.1.0"},
        "implementation": {"description": f"CareCoord {registry.service}", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "patchFormat": ["application/json-patch+json"],
        "rest": [
            {
                "mode": "server",
                "interaction": [
                    {"code": "transaction"},
                    {"code": "batch"},
                    {"code": "history-system"},
                ],
                "security": {
                    **({"extension": _oauth_uris(auth_server)} if auth_server else {}),
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "description": "Bearer JWT (CIS2, NHS login or signed-JWT client credentials) "
                    "with SMART v2 scopes; access to patient data also needs a care relationship.",
                },
                "resource": [
                    *(_resource(registry, d) for d in registry.all()),
                    *_operation_only_types(registry),
                    *_published_types(registry),
                    _AUDIT,
                ],
                "searchParam": [
                    {"name": name, "type": kind, "documentation": text}
                    for name, kind, text in _RESULT_PARAMETERS
                ],
                "operation": [_operation(op) for op in registry.operations if not op.resource],
            }
        ],
    }
