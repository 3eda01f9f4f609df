"""What the portal's operations, consumers and pages share, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from carecoord_shared.service import Clock
from portal.settings import PortalSettings

__all__ = ["PortalContext"]


@dataclass(frozen=True, slots=True)
class PortalContext:
    settings: PortalSettings
    clock: Clock

    @classmethod
    def build(cls, settings: PortalSettings, clock: Clock) -> PortalContext:
        return cls(settings, clock)
