"""Indicators G1-G3 as FHIR: the Measure resources and the MeasureReport of an evaluation.

Measures have fixed ids (G1, G2, G3) and canonical URLs, so every environment serves
the same definitions. A report says where the rate falls against the target band, in
extension `measure-target-band`; it carries counts only, never a patient.
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from html import escape
from typing import Any

from care_plans.domain.measures import Indicator, band_of
from care_plans.fhir.care_team import instant
from care_plans.fhir.vocabulary import EXT_TARGET_BAND
from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT

Json = dict[str, Any]
_POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"


def canonical(code: str) -> str:
    return f"{CANONICAL_ROOT}/Measure/{code}"


def _criteria(name: str, description: str) -> Json:
    """A population's criteria: the CQL definition naming it (`text/cql`: R4 4.0.1 has no
    `text/cql-identifier`), the rule in words; the SQL that counts it is `store.indicators`."""
    return {"language": "text/cql", "expression": name, "description": description}


def measure_resource(indicator: Indicator) -> Json:
    return {
        "resourceType": "Measure",
        "url": canonical(indicator.code),
        "name": indicator.code,
        "title": indicator.title,
        "status": "active",
        "description": indicator.description,
        "scoring": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/measure-scoring",
                    "code": "proportion",
                }
            ]
        },
        "improvementNotation": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/measure-improvement-notation",
                    "code": "increase",
                }
            ]
        },
        "extension": [_band_extension(indicator)],
        "group": [
            {
                "population": [
                    {
                        "code": {"coding": [{"system": _POPULATION, "code": "denominator"}]},
                        "criteria": _criteria("Denominator", "LTC cohort on the register"),
                    },
                    {
                        "code": {"coding": [{"system": _POPULATION, "code": "numerator"}]},
                        "criteria": _criteria("Numerator", indicator.description),
                    },
                ]
            }
        ],
    }


def _band_extension(indicator: Indicator, band: str | None = None) -> Json:
    parts: list[Json] = [
        {"url": "low", "valueDecimal": indicator.lower},
        {"url": "high", "valueDecimal": indicator.upper},
    ]
    if band is not None:
        parts.append({"url": "result", "valueCode": band})
    return {"url": EXT_TARGET_BAND, "extension": parts}


def _count(code: str, count: int) -> Json:
    return {"code": {"coding": [{"system": _POPULATION, "code": code}]}, "count": count}


def _summary(indicator: Indicator, counts: tuple[int, int], band: str, subject: str) -> Json:
    """What a reader sees: the indicator, the counts and the band, in one sentence."""
    numerator, denominator = counts
    rate = f" ({100 * numerator / denominator:.1f}%)" if denominator else ""
    line = (
        f"{indicator.code} {indicator.title}, {subject}: {numerator} of {denominator}{rate}; "
        f"{band} the {indicator.lower}-{indicator.upper}% band"
    )
    div = f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(line)}</p></div>'
    return {"status": "generated", "div": div}


_DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def measure_report(
    indicator: Indicator,
    counts: tuple[int, int],
    period: tuple[date, date],
    subject: str | None,
    now: datetime,
) -> Json:
    """A summary MeasureReport: `counts` is (numerator, denominator) over `period`; its
    one group always holds both populations, and its score (a proportion: with no one in
    the denominator there is none, said as data absent, not as zero)."""
    numerator, denominator = counts
    group: Json = {
        "population": [_count("numerator", numerator), _count("denominator", denominator)],
        "measureScore": (
            {"value": round(float(Fraction(numerator, denominator)), 4)}
            if denominator
            else {"extension": [{"url": _DATA_ABSENT, "valueCode": "not-applicable"}]}
        ),
    }
    band = band_of(indicator, numerator, denominator)
    report: Json = {
        "resourceType": "MeasureReport",
        "text": _summary(indicator, counts, band, subject or "whole system"),
        "status": "complete",
        "type": "summary",
        "measure": canonical(indicator.code),
        "date": instant(now),
        "period": {"start": period[0].isoformat(), "end": period[1].isoformat()},
        "extension": [_band_extension(indicator, band)],
        "group": [group],
    }
    if subject is not None:
        report["subject"] = {"reference": subject}
    return report
