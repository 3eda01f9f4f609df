"""What every MDT handler is given besides its unit of work: policy settings and a clock.

Built once per process by the kernel from the service's settings (`SERVICE.context`);
operations, consumers and the job read meeting defaults, rule switches and "now"
from it, so tests can pin the clock and change a setting without a new app.
"""

from __future__ import annotations

from dataclasses import dataclass

from carecoord_shared.service import ServiceContext
from mdt.settings import MdtSettings


@dataclass(frozen=True, slots=True)
class MdtContext(ServiceContext[MdtSettings]):
    """The kernel's settings and clock, and which auto-listing rules are on."""

    def rule_enabled(self, rule: str) -> bool:
        return rule not in self.settings.disabled_rules
