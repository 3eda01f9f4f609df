"""Write every service's published definitions to a folder, for the independent validator.

`make test` runs the HAPI FHIR validator over the resources the suite produced; the
services' own extensions and code systems are only known to it through the
StructureDefinitions, CodeSystems and ValueSets they publish. This collects them from
the services' declarations (no service needs to run) as one JSON file each.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

import orjson

from carecoord_shared.service import system_clock

__all__ = ["write_definitions"]

_SERVICES = ("referrals", "care_plans", "mdt", "portal")


def write_definitions(folder: Path) -> int:
    """Write the published definitions of every service into `folder`; returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for service in _SERVICES:
        declaration = importlib.import_module(f"{service}.definition").SERVICE
        _, _, registry = declaration.assemble(None, system_clock)
        for published in registry.published.values():
            name = f"{published['resourceType']}-{published['id']}.json"
            (folder / name).write_bytes(orjson.dumps(published, option=orjson.OPT_INDENT_2))
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    count = write_definitions(parser.parse_args().folder)
    print(f"{count} published definitions written")


if __name__ == "__main__":
    main()
