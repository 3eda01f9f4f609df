"""Indicators G1-G3 for the staff pages, as calls to care_plans with the user's token.

Each area (the user's practice, a locality, the whole system) is three
`Measure/{code}/$evaluate-measure` calls side by side over the last twelve months; care
plans decides who may see which area (a practice's figures for its own staff; roll-ups
for any staff member) and the page says so when an area is not for this person. Each
bar carries its numerator, denominator, rate and target band (DOMAIN.md, "Indicators":
85-95% for G1-G3), read from the MeasureReport.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from portal.service.bff.care_plans_vocabulary import MEASURE_BANDS
from portal.service.bff.client import FhirClient

__all__ = ["INDICATORS", "Area", "Bar", "area_figures"]

INDICATORS = (
    ("G1", "Holistic assessment reviewed"),
    ("G2", "Named care co-ordinator"),
    ("G3", "Care plan co-developed and reviewed"),
)


@dataclass(frozen=True, slots=True)
class Bar:
    code: str
    title: str
    numerator: int
    denominator: int
    band: str
    low: float
    high: float

    @property
    def percent(self) -> float | None:
        return 100 * self.numerator / self.denominator if self.denominator else None

    @property
    def band_text(self) -> str:
        return MEASURE_BANDS.get(self.band, "no data")

    @property
    def summary(self) -> str:
        if self.percent is None:
            return f"{self.code} {self.title}: no patients in the denominator"
        return (
            f"{self.code} {self.title}: {self.numerator} of {self.denominator} "
            f"({self.percent:.1f}%), {self.band_text} ({self.low:g}-{self.high:g}%)"
        )


@dataclass(frozen=True, slots=True)
class Area:
    heading: str
    subject: str
    bars: list[Bar] = field(default_factory=list)
    refused: bool = False


def _bar(code: str, title: str, report: dict[str, Any]) -> Bar:
    group = (report.get("group") or [{}])[0]
    counts = {
        str(c.get("code")): int(p.get("count") or 0)
        for p in group.get("population", [])
        for c in (p.get("code") or {}).get("coding", [])
    }
    band: dict[str, Any] = next(
        (e for e in report.get("extension", []) if "measure-target-band" in str(e.get("url"))), {}
    )
    parts = {str(p.get("url")): p for p in band.get("extension", [])}
    return Bar(
        code, title, counts.get("numerator", 0), counts.get("denominator", 0),
        str(parts.get("result", {}).get("valueCode") or "no-data"),
        float(parts.get("low", {}).get("valueDecimal") or 0),
        float(parts.get("high", {}).get("valueDecimal") or 0),
    )  # fmt: skip


async def area_figures(api: FhirClient, heading: str, subject: str, today: date) -> Area:
    """G1-G3 for `subject` ("" for the whole system) over the twelve months to `today`."""
    query = [
        ("periodStart", (today - timedelta(days=365)).isoformat()),
        ("periodEnd", today.isoformat()),
    ]
    if subject:
        query.append(("subject", subject))
    replies = await asyncio.gather(
        *(api.get(f"Measure/{code}/$evaluate-measure", query) for code, _ in INDICATORS)
    )
    if any(not r.ok for r in replies):
        return Area(heading, subject, refused=True)
    bars = [_bar(code, title, r.body) for (code, title), r in zip(INDICATORS, replies, strict=True)]
    return Area(heading, subject, bars)
