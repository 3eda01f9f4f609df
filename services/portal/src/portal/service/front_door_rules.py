"""Loading the front door's rule set and directory from their versioned data files.

The files ship with the portal (`domain/rules/`); a deployment may point
`PORTAL_FRONT_DOOR_RULES` / `PORTAL_FRONT_DOOR_DIRECTORY` at reviewed replacements.
Settings load them once when they are built, so a bad file stops the portal starting
(`RuleFileError` lists every problem); after that each process reuses the parsed set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from portal.domain.front_door_rules import RuleFileError, RuleSet
from portal.domain.opening import Service, parse_directory
from portal.domain.rule_file import parse_rule_set

__all__ = [
    "DEFAULT_DIRECTORY",
    "DEFAULT_RULES",
    "FrontDoorFiles",
    "FrontDoorRules",
    "front_door_of",
    "load_front_door",
]

_FOLDER = Path(__file__).resolve().parent.parent / "domain" / "rules"
DEFAULT_RULES = _FOLDER / "front_door_rules.json"
DEFAULT_DIRECTORY = _FOLDER / "front_door_directory.json"


@dataclass(frozen=True, slots=True)
class FrontDoorRules:
    rules: RuleSet
    services: dict[str, Service]


def _json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RuleFileError(
            [f"{path.name} cannot be read as JSON ({type(error).__name__})"]
        ) from None
    if not isinstance(data, dict):
        raise RuleFileError([f"{path.name} must hold a JSON object"])
    return data


@cache
def load_front_door(
    rules_path: Path = DEFAULT_RULES, directory_path: Path = DEFAULT_DIRECTORY
) -> FrontDoorRules:
    """The checked rule set and directory (RuleFileError if either is unusable)."""
    try:
        services = parse_directory(_json(directory_path))
    except ValueError as error:
        if isinstance(error, RuleFileError):
            raise
        raise RuleFileError([str(error)]) from None
    return FrontDoorRules(parse_rule_set(_json(rules_path), frozenset(services)), services)


class FrontDoorFiles(Protocol):
    """Where the settings keep the shipped rule set and directory."""

    @property
    def front_door_rules(self) -> Path: ...

    @property
    def front_door_directory(self) -> Path: ...


def front_door_of(settings: FrontDoorFiles) -> FrontDoorRules:
    """The rule set and directory the settings name (loaded once per process)."""
    return load_front_door(settings.front_door_rules, settings.front_door_directory)
