"""Who may receive what: a partner's agreement and the patient's Consent, at both ends.

Checked when an event is recorded for a subscription and again just before it is sent:
a practice that leaves the partner's agreement, or a patient who withholds consent
meanwhile, stops deliveries already queued. A patient's practice comes from care
plans' `patient.registered` events; one the portal has not heard of is covered only by
a whole-system agreement (`*`).
"""

from __future__ import annotations

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from portal.domain.subscriptions import agreement_covers, consent_withholds
from portal.store.subscriptions import SubscriptionRows

__all__ = ["Sharing"]


class Sharing:
    """The answers for one patient within one unit of work (looked up once)."""

    def __init__(self, tx: FhirTransaction, patient_nhs: str | None) -> None:
        self._tx = tx
        self.patient_nhs = patient_nhs
        self._practice: str | None = None
        self._withheld: bool | None = None
        self._looked_up = False

    async def practice(self) -> str | None:
        if not self._looked_up:
            self._practice = await self._tx.repository(SubscriptionRows).practice_of(
                self.patient_nhs
            )
            self._looked_up = True
        return self._practice

    async def withheld(self) -> bool:
        if self.patient_nhs is None:
            return False
        if self._withheld is None:
            found = await self._tx.search(
                "Consent",
                [
                    ("patient:identifier", f"{NHS_NUMBER_SYSTEM}|{self.patient_nhs}"),
                    ("status", "active"),
                ],
            )
            self._withheld = consent_withholds([m.as_json() for m in found.matches])
        return self._withheld

    async def allows(self, agreement: list[str]) -> bool:
        if not agreement_covers(frozenset(agreement), await self.practice()):
            return False
        return not await self.withheld()
