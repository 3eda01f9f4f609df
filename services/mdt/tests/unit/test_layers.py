"""The mdt layering (STYLE.md, "Layout of a service"), checked on the source itself.

api/events -> service -> domain; store imports domain, never service or api; domain
does no I/O. The repository's import-linter contracts cover services and the kernel;
these cover the layers inside this service, so a shortcut fails a test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mdt

ROOT = Path(mdt.__file__).parent
FORBIDDEN = {
    "domain": ("sqlalchemy", "fastapi", "aiokafka", "httpx", "carecoord_shared", "mdt.store",
               "mdt.service", "mdt.api", "mdt.events"),
    "store": ("fastapi", "mdt.service", "mdt.api", "mdt.events"),
    "service": ("fastapi", "mdt.api", "mdt.events"),
}  # fmt: skip


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    broken = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / layer).rglob("*.py")
        for name in imports_of(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer])
    }
    assert not broken
