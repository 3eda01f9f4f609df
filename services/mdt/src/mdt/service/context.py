"""What every MDT handler is given besides its unit of work: policy settings and a clock.

Built once per process by the kernel from the service's settings (`SERVICE.context`);
operations, consumers and the job read meeting defaults, rule switches and "now"
from it, so tests can pin the clock and change a setting without a new app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from mdt.settings import MdtSettings

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class MdtContext:
    settings: MdtSettings
    clock: Clock = system_clock

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().date()

    def rule_enabled(self, rule: str) -> bool:
        return rule not in self.settings.disabled_rules
