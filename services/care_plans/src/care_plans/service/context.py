"""What every handler of this service may need besides its unit of work: the clock.

Built once per process by the kernel from the settings (`ServiceDefinition.context`);
tests pin the clock through `create_app(clock=...)` / `build_worker(clock=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from care_plans.settings import CarePlansSettings
from carecoord_shared.service import Clock


@dataclass(frozen=True, slots=True)
class CarePlansContext:
    settings: CarePlansSettings
    clock: Clock

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().date()


def build_context(settings: CarePlansSettings, clock: Clock) -> CarePlansContext:
    return CarePlansContext(settings, clock)
