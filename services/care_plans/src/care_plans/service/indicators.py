"""Indicators G1-G3: the Measure resources and their evaluation into a MeasureReport.

Measures are written once at start-up with fixed ids (G1, G2, G3), idempotently, so
every environment serves the same canonical definitions. Evaluation counts straight
from the register (see `store.indicators`) and says where the rate falls against the
target band; nothing about individual patients leaves this module.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from care_plans.domain.areas import Area
from care_plans.domain.codes import EXT_TARGET_BAND, LOCAL
from care_plans.domain.measures import INDICATORS, Indicator, band_of
from care_plans.store import indicators as store
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.store import repository

Json = dict[str, Any]
_POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"


def canonical(code: str) -> str:
    return f"{LOCAL}/Measure/{code}"


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
                        "criteria": {
                            "language": "text/plain",
                            "expression": "LTC cohort on the register",
                        },
                    },
                    {
                        "code": {"coding": [{"system": _POPULATION, "code": "numerator"}]},
                        "criteria": {"language": "text/plain", "expression": indicator.description},
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


async def ensure_measures(engine: AsyncEngine, registry: FhirRegistry) -> None:
    definition = registry.get("Measure")
    assert definition is not None
    for code, indicator in INDICATORS.items():
        # Another instance starting at the same moment may win the insert: that is fine.
        with contextlib.suppress(IntegrityError):
            async with engine.begin() as conn:
                if await repository.find(conn, "Measure", code) is None:
                    await repository.create(conn, definition, measure_resource(indicator), code)


def _count(code: str, count: int) -> Json:
    return {"code": {"coding": [{"system": _POPULATION, "code": code}]}, "count": count}


async def evaluate(
    conn: AsyncConnection, code: str, area: Area, start: date, end: date, subject: str | None
) -> Json:
    indicator = INDICATORS[code]
    numerator, denominator = await store.population(conn, code, area, end)
    group: Json = {
        "population": [_count("numerator", numerator), _count("denominator", denominator)]
    }
    if denominator:
        group["measureScore"] = {"value": round(float(Fraction(numerator, denominator)), 4)}
    report: Json = {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": canonical(code),
        "date": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "extension": [_band_extension(indicator, band_of(indicator, numerator, denominator))],
        "group": [group],
    }
    if subject is not None:
        report["subject"] = {"reference": subject}
    return report
