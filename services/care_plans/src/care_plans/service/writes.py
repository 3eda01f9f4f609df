"""The REST write handlers of this service's types, bound to its context.

Each stores the write and then does, in the same unit of work, what the write means
to this service (`service.changes`): registration and the register for a Patient,
cohorts for a Condition, the plan index, Provenance and `careplan.revised` for a
CarePlan, Provenance for a Goal or Task.
"""

from __future__ import annotations

from care_plans.fhir.resources import Writes
from care_plans.service.changes import after_write
from care_plans.service.context import CarePlansContext
from care_plans.service.patients import condition_written, patient_written
from care_plans.service.plans import care_plan_written, contribution_written


def write_handlers(context: CarePlansContext) -> Writes:
    return Writes(
        patient=after_write(patient_written, context, with_previous=True),
        condition=after_write(condition_written, context, with_previous=True),
        care_plan=after_write(care_plan_written, context),
        contribution=after_write(contribution_written, context),
    )
