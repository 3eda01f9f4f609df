"""The Measures behind referrals' MeasureReports: response time and avoided conveyance.

`$response-report` and `$avoided-conveyance` answer MeasureReports naming
`Measure/response-time` and `Measure/avoided-conveyance` by canonical URL; this is
where those Measures are defined, written at start-up (the declaration's `startup`,
as care plans writes its indicators) under fixed ids, idempotently and rewritten when a
release changes them, so a client or the validator can resolve `MeasureReport.measure`.
The type is read-only over REST. Scoring is `continuous-variable`: each report's scores
are quantities with a unit (working days, per cent), which R4 forbids for a
`proportion` (a bare 0-1 value). Avoided conveyance declares no group: its reports have
one group per locality served, coded from the locality CodeSystem, known only when
counted.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.outcome import FhirError, JsonObject
from carecoord_shared.fhir.registry import READ_ONLY, ResourceDefinition, SearchParam
from carecoord_shared.security.principal import system_principal
from referrals.domain import vocabulary as v
from referrals.fhir.shapes import concept

__all__ = ["MEASURE", "MEASURES", "define_measures"]

MEASURE = ResourceDefinition(
    "Measure",
    interactions=READ_ONLY,
    update_create=True,  # response-time and avoided-conveyance: ids given at start-up
    narrative=True,
    documentation="What the service's MeasureReports measure; read-only.",
    search_params=(SearchParam("url", "token", "Measure.url"),),
)
_SCORING = "http://terminology.hl7.org/CodeSystem/measure-scoring"
_POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
_AUTHOR = system_principal("referrals")


def _population(code: str, description: str) -> JsonObject:
    """A population: its code and the rule in words (`text/cql`, R4's expression
    language for a named definition; the SQL that counts it is the service's)."""
    criteria = {"language": "text/cql", "expression": code, "description": description}
    return {"code": concept(_POPULATION, code), "criteria": criteria}


def _measure(key: str, url: str, title: str, description: str, groups: list[Any]) -> JsonObject:
    return {
        "resourceType": "Measure",
        "url": url,
        "name": "".join(part.title() for part in key.split("-")),
        "title": title,
        "status": "active",
        "description": description,
        "scoring": concept(_SCORING, "continuous-variable"),
        **({"group": groups} if groups else {}),
    }


MEASURES: dict[str, JsonObject] = {
    "response-time": _measure(
        "response-time",
        v.RESPONSE_TIME_MEASURE,
        "Advice and guidance response time",
        "How quickly a service answers advice and guidance requests: the median "
        "working days to a response, and the share answered within the target.",
        [
            {
                "code": concept(v.RESPONSE_REPORT, "median-response-working-days"),
                "population": [_population("initial-population", "Requests answered")],
            },
            {
                "code": concept(v.RESPONSE_REPORT, "within-target"),
                "population": [
                    _population("denominator", "Requests answered"),
                    _population("numerator", "Requests answered by their due time"),
                ],
            },
        ],
    ),
    "avoided-conveyance": _measure(
        "avoided-conveyance",
        v.AVOIDED_CONVEYANCE_MEASURE,
        "Avoided conveyance",
        "The share of an advice line's calls after which the patient was not conveyed "
        "to hospital, one group per locality served.",
        [],
    ),
}


async def define_measures(fhir: FhirInteractions, _context: object) -> None:
    """The start-up step: each Measure stored unless it is there as this release defines
    it (its narrative and meta aside). Another instance starting at the same moment may
    win a write (409 or 412): then it is there."""
    for key, wanted in MEASURES.items():
        try:
            async with fhir.operation(_AUTHOR) as tx:
                try:
                    stored = await tx.read("Measure", key)
                except FhirError as error:
                    if error.status != 404:
                        raise
                    stored = None
                held = stored.as_json() if stored is not None else {}
                if {k: val for k, val in held.items() if k not in ("id", "meta", "text")} == wanted:
                    continue
                version = None if stored is None else stored.version_id
                await tx.update("Measure", key, dict(wanted), if_match=version)
        except FhirError as error:
            if error.status not in (409, 412):
                raise
