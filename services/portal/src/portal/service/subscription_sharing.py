"""Who may receive what: a partner's agreement and the patient's Consent, at both ends.

Checked when an event is recorded for a subscription and again just before it is sent:
a practice that leaves the partner's agreement, or a patient who withholds consent
meanwhile, stops deliveries already queued. A patient's practice comes from care
plans' `patient.registered` events; one the portal has not heard of is covered only by
a whole-system agreement (`*`).
"""

from __future__ import annotations

from collections.abc import Iterable

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from portal.domain.subscriptions import agreement_covers, consent_withholds
from portal.store.subscriptions import SubscriptionRows

__all__ = ["Sharing", "allowed_patients"]

CONSENT_CHUNK = 50
"""NHS numbers asked about in one Consent search (the kernel's most OR values)."""


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


async def _withholding(tx: FhirTransaction, patients: list[str]) -> set[str]:
    """Which of these patients withhold sharing: one Consent search for all of them (a
    page that does not hold every match is asked again patient by patient)."""
    values = ",".join(f"{NHS_NUMBER_SYSTEM}|{nhs}" for nhs in patients)
    found = await tx.search(
        "Consent", [("patient:identifier", values), ("status", "active"), ("_count", "100")]
    )
    if found.next_cursor is not None:
        return {nhs for nhs in patients if await Sharing(tx, nhs).withheld()}
    consents: dict[str | None, list[dict[str, object]]] = {}
    for match in found.matches:
        consents.setdefault(match.patient_nhs, []).append(match.as_json())
    return {nhs for nhs, given in consents.items() if nhs and consent_withholds(given)}


async def allowed_patients(
    tx: FhirTransaction, patients: Iterable[str | None], agreement: list[str]
) -> dict[str | None, bool]:
    """The answer of `Sharing.allows` for many patients at once, set-based: their
    practices in one query, their Consents in one search per 50."""
    asked = list(dict.fromkeys(patients))
    known = [nhs for nhs in asked if nhs is not None]
    practices = await tx.repository(SubscriptionRows).practices_of(known)
    withheld: set[str] = set()
    for start in range(0, len(known), CONSENT_CHUNK):
        withheld |= await _withholding(tx, known[start : start + CONSENT_CHUNK])
    covered = frozenset(agreement)
    return {
        nhs: agreement_covers(covered, practices.get(nhs) if nhs else None) and nhs not in withheld
        for nhs in asked
    }
