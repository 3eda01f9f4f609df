"""Who may receive what: a partner's agreement and the patient's Consent, at both ends.

Checked when an event is recorded for a subscription and again just before it is sent:
a practice that leaves the partner's agreement, or a patient who withholds consent
meanwhile, stops deliveries already queued. A patient's practice comes from care
plans' `patient.registered` events; one the portal has not heard of is covered only by
a whole-system agreement (`*`).
"""

from __future__ import annotations

from collections.abc import Iterable

from carecoord_shared.fhir.unit_of_work import FhirTransaction
from portal.domain.subscriptions import shares
from portal.store.subscription_sharing import PatientSharing, SharingRows

__all__ = ["allowed_patients"]


async def allowed_patients(
    tx: FhirTransaction, patients: Iterable[str | None], agreement: list[str]
) -> dict[str | None, bool]:
    """Whether each patient may be shared under this agreement, set-based: their
    practices and Consents in one statement."""
    asked = list(dict.fromkeys(patients))
    found = await tx.repository(SharingRows).of([nhs for nhs in asked if nhs is not None])
    covered = frozenset(agreement)
    none: PatientSharing = (None, [])
    return {nhs: shares(covered, *(found.get(nhs, none) if nhs else none)) for nhs in asked}
