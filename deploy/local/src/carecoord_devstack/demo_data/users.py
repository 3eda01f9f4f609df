"""The demo users `carecoord run` prints: one per role, each with a home organisation.

A developer trying the stack needs to act as each kind of user the security model
knows (ARCHITECTURE.md, "Security model") and see what that user may see. Each
demo user here belongs to an organisation in the demo directory, so the services'
relationship checks have something real to decide on: the GP and the care
co-ordinator work at the practice where the demo patient is registered, the triage
clinician is the acute trust's first triage clinician in the directory. User ids
are made-up 12-digit SDS-like numbers.
"""

from __future__ import annotations

from carecoord_devstack.demo_data.directory import (
    ACUTE,
    AMBULANCE,
    COMMUNITY,
    ICB,
    clinician_sds_id,
    practices,
)
from carecoord_devstack.demo_data.model import DemoUser
from carecoord_devstack.demo_data.people import patients

__all__ = ["LOADER_CLIENT_ID", "demo_users"]

LOADER_CLIENT_ID = "carecoord-demo-loader"


def demo_users() -> list[DemoUser]:
    practice = practices()[0]
    patient = patients()[0]
    return [
        DemoUser("gp", f"GP at {practice.name}", practice.ods, "555000000001"),
        DemoUser(
            "triage-clinician", f"triage clinician, {ACUTE.name}", ACUTE.ods, clinician_sds_id(1)
        ),
        DemoUser(
            "care-coordinator",
            f"care co-ordinator at {practice.name}",
            practice.ods,
            "555000000003",
        ),
        DemoUser("mdt-member", f"community nurse, {COMMUNITY.name}", COMMUNITY.ods, "555000000004"),
        DemoUser("paramedic", f"paramedic, {AMBULANCE.name}", AMBULANCE.ods, "555000000005"),
        DemoUser(
            "patient",
            f"{patient.given} {patient.family}, registered at {practice.name}",
            None,
            "nhs-login",
            patient.nhs_number,
        ),
        DemoUser("system", "a partner system (client credentials)", None, "carecoord-demo-partner"),
        DemoUser("admin", f"directory administrator, {ICB.name}", ICB.ods, "555000000008"),
    ]
