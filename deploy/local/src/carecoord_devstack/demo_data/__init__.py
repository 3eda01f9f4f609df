"""Synthetic demo data for the fictional borough of Eastmoor (DOMAIN.md, "Demo data").

`carecoord demo load` needs the data as stages of FHIR resources per owning
service, and `carecoord run` needs the demo users to print; this package provides
both and nothing else: `demo_stages()` (the referrals directory, with the front door's
services, then the care_plans population) and `demo_users()`. The loading mechanism is in
`carecoord_devstack.demo`. Nothing here is real: codes, names, numbers and phone
numbers are made up or from ranges reserved for tests and drama.
"""

from __future__ import annotations

from carecoord_devstack.demo_data.directory import directory_seeds
from carecoord_devstack.demo_data.front_door import front_door_seeds
from carecoord_devstack.demo_data.model import DemoUser, Seed
from carecoord_devstack.demo_data.people import patient_seeds
from carecoord_devstack.demo_data.users import LOADER_CLIENT_ID, demo_users

__all__ = ["LOADER_CLIENT_ID", "DemoUser", "Seed", "demo_stages", "demo_users"]


def demo_stages() -> dict[str, list[list[Seed]]]:
    """Per service, stages to load in order; the seeds within a stage are independent."""
    organisations, services = directory_seeds()
    referrals = [organisations, services + front_door_seeds()]
    return {"referrals": referrals, "care_plans": patient_seeds()}
