"""The codes the staff pages send to and read from the care plans service, with the words
people see for them.

care_plans owns these (its README, "Extensions and codes": the `coordinator-kind` and
`measure-band` CodeSystems and the `end-of-life-preferences` extension; "API":
`$stratification`'s cohorts) under the project's canonical root; the portal spells them
the same way and names them for a person, here rather than beside each view that shows
one. Each view says what it shows for a code its table does not list.
"""

from __future__ import annotations

from typing import Final

from carecoord_shared.fhir.definitions import extension_url

__all__ = [
    "COHORTS",
    "COORDINATOR_KINDS",
    "END_OF_LIFE",
    "END_OF_LIFE_PARTS",
    "LAST_REVIEWED",
    "MEASURE_BANDS",
    "TARGET_VERSION",
]

LAST_REVIEWED: Final = extension_url("care-plan-last-reviewed")
END_OF_LIFE: Final = extension_url("end-of-life-preferences")
TARGET_VERSION: Final = extension_url("provenance-target-version")

COORDINATOR_KINDS: Final = {
    "named-care-coordinator": "Named care co-ordinator",
    "key-worker": "Key worker",
    "lead-gp": "Lead GP",
}
"""Who the person is to the patient (`$assign-coordinator`'s `kind`)."""

COHORTS: Final = {
    "long-term-condition": "Long-term condition",
    "frailty": "Frailty",
    "end-of-life": "End of life",
}
"""The cohorts `$stratification` places a patient in."""

END_OF_LIFE_PARTS: Final = {
    "preferredPlaceOfCare": "Preferred place of care",
    "preferredPlaceOfDeath": "Preferred place of death",
    "keyContact": "Key contact",
}
"""The parts of the end-of-life preferences shown as they were written (the
resuscitation decision is a part of parts, read on its own)."""

MEASURE_BANDS: Final = {"below": "below target", "within": "within target", "above": "above target"}
"""Where an indicator's rate stands against its target band (`$evaluate-measure`)."""
