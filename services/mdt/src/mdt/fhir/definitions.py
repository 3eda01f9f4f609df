"""What the MDT publishes for vendors: its extension and its code systems.

Every local URL the service writes into a resource (the team's locality extension, the
MDT's codes, case and action states, membership roles) is defined here under the
project's canonical root, served read-only at `/fhir/<type>/<id>` and handed to the
independent validator, so nothing the service sends is an unknown system.
"""

from __future__ import annotations

from carecoord_shared.fhir.definitions import code_system, extension_definition, value_set
from carecoord_shared.fhir.outcome import JsonObject
from mdt.domain.vocabulary import CASE_STATUS_CODES, MDT_CODES, MEMBERSHIP_CODES

_SYSTEMS = (
    code_system(
        "mdt",
        "MDT codes",
        "Kinds of MDT, its meetings, case lists, case and action Tasks, readiness flags.",
        MDT_CODES,
    ),
    code_system(
        "mdt-case-status",
        "MDT case and action states",
        "Where a case (listed to discussed) or an action (assigned to completed) stands.",
        CASE_STATUS_CODES,
    ),
    code_system(
        "mdt-membership",
        "MDT membership roles",
        "Core or extended member of an MDT, and its chair.",
        MEMBERSHIP_CODES,
    ),
)

DEFINITIONS: tuple[JsonObject, ...] = (
    extension_definition(
        "mdt-locality",
        "MDT locality",
        "The locality a multi-disciplinary team serves.",
        "string",
        ("CareTeam",),
    ),
    *_SYSTEMS,
    *(value_set(system) for system in _SYSTEMS),
)
