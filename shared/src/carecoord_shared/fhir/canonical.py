"""The root of every CareCoord canonical URL, and the URLs under it.

Operations, extensions, code systems and value sets the services publish all live
under one root, so a vendor knows what is CareCoord's. Kept free of imports so that
pure domain code may name a local URL without pulling in the kernel.
"""

from __future__ import annotations

__all__ = ["CANONICAL_ROOT", "extension_url", "system_url", "value_set_url"]

CANONICAL_ROOT = "https://fhir.carecoord.example"


def extension_url(name: str) -> str:
    return f"{CANONICAL_ROOT}/StructureDefinition/{name}"


def system_url(name: str) -> str:
    return f"{CANONICAL_ROOT}/CodeSystem/{name}"


def value_set_url(name: str) -> str:
    return f"{CANONICAL_ROOT}/ValueSet/{name}"
