"""Indicators G1-G3: loading their Measure resources and evaluating them.

Measures are written at start-up (`load_measures`, the declaration's start-up step)
with fixed ids (G1, G2, G3), idempotently and rewritten when a release changes them, so
every environment serves the same canonical definitions. Evaluation counts straight from
the register (`store.indicators`); nothing about individual patients leaves it.
"""

from __future__ import annotations

from datetime import date, datetime

from care_plans.domain.areas import Area
from care_plans.domain.measures import INDICATORS
from care_plans.fhir.measures import measure_report, measure_resource
from care_plans.store.indicators import IndicatorRepository
from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.outcome import FhirError, JsonObject, forbidden, not_found
from carecoord_shared.fhir.unit_of_work import FhirTransaction, Refusal
from carecoord_shared.security.principal import Principal, system_principal
from carecoord_shared.store.repository import StoredResource

MEASURES_AUTHOR = system_principal("care_plans")
"""Who the audit trail names for the Measures the service writes at start-up."""


async def _stored(tx: FhirTransaction, code: str) -> StoredResource | None:
    try:
        return await tx.read("Measure", code)
    except FhirError as error:
        if error.status == 404:
            return None
        raise


def _same(stored: StoredResource, wanted: JsonObject) -> bool:
    """The stored Measure says what this release defines (its narrative is generated)."""
    kept = {k: v for k, v in stored.as_json().items() if k not in ("id", "meta", "text")}
    return kept == wanted


async def ensure_measures(fhir: FhirInteractions, principal: Principal = MEASURES_AUTHOR) -> int:
    """Store each indicator's Measure under its code unless it is there as this release
    defines it; returns how many were written. Another instance starting at the same
    moment may win a write (409)."""
    written = 0
    for code, indicator in INDICATORS.items():
        wanted = measure_resource(indicator)
        try:
            async with fhir.operation(principal) as tx:
                stored = await _stored(tx, code)
                if stored is not None and _same(stored, wanted):
                    continue
                version = None if stored is None else stored.version_id
                await tx.update("Measure", code, dict(wanted), if_match=version)
        except FhirError as error:
            if error.status in (409, 412):
                continue
            raise
        written += 1
    return written


async def load_measures(fhir: FhirInteractions, _context: object) -> None:
    """The service's start-up step (`ServiceDefinition.startup`)."""
    await ensure_measures(fhir)


OVERSIGHT_ROLES = frozenset({"admin", "information-governance"})
"""Staff who look across practices (the locality and system roll-up, assurance)."""


def may_evaluate(principal: Principal, area: Area) -> bool:
    """Who may see an indicator for `area` (issue 13, finding 12). A practice's figures
    are its own staff's, the oversight roles' and those of a system client whose
    data-sharing agreement covers the practice; the locality and whole-system roll-ups
    (DOMAIN.md: "patient -> practice -> MDT/locality -> system") are any staff member's
    or system client's. Never a patient's: indicators are for staff and reporting."""
    if principal.kind == "patient":
        return False
    if area.practice is None or principal.role in OVERSIGHT_ROLES:
        return True
    if principal.kind == "system":
        return bool({"*", area.practice} & principal.agreement)
    return principal.organisation == area.practice


async def evaluate(
    tx: FhirTransaction,
    code: str,
    area: Area,
    period: tuple[date, date],
    subject: str | None,
    now: datetime,
) -> JsonObject:
    """The MeasureReport of indicator `code` for `area` over `period` (404 unknown code,
    403 for a caller who may not see that area's figures); audited either way."""
    indicator = INDICATORS.get(code)
    if indicator is None:
        raise not_found("Measure", code[:64])
    entity = f"Measure/{code}/$evaluate-measure?subject={subject or ''}"
    if not may_evaluate(tx.principal, area):
        tx.refusals.append(Refusal("E", entity, None))
        raise forbidden("Your access does not cover this subject's indicators")
    counts = await tx.repository(IndicatorRepository).population(code, area, period[1])
    await tx.record_access("E", entity, [])
    return measure_report(indicator, counts, period, subject, now)
