"""What every handler of this service may need besides its unit of work: its settings
and the clock.

Built once per process by the kernel from the settings (`ServiceDefinition.context`);
tests pin the clock through `create_app(clock=...)` / `build_worker(clock=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from care_plans.settings import CarePlansSettings
from carecoord_shared.service import ServiceContext


@dataclass(frozen=True, slots=True)
class CarePlansContext(ServiceContext[CarePlansSettings]):
    """The kernel's settings and clock; care plans needs nothing of its own."""
