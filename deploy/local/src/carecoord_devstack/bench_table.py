"""The speed table of issue 16: each row's figure today, its target and met/missed.

`make bench` fills one `Figure` per row (or leaves it None when the benchmark could
not run), prints the table with the machine it ran on and writes the same as JSON for
tracking. Pure data and formatting: nothing here measures or talks to the stack.
"""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import orjson

__all__ = [
    "ROWS",
    "Figure",
    "Row",
    "Target",
    "filled",
    "machine_facts",
    "render",
    "to_json",
    "write_json",
]


@dataclass(frozen=True, slots=True)
class Target:
    rate: float | None = None  # at least, per second
    p99_ms: float | None = None  # at most
    rss_mib: float | None = None  # at most
    flat_lag: bool = False  # the pipeline must not fall behind

    def text(self) -> str:
        parts = [f">= {self.rate:,.0f}/s"] if self.rate is not None else []
        parts += [f"p99 <= {self.p99_ms:g} ms"] if self.p99_ms is not None else []
        parts += [f"<= {self.rss_mib / 1024:g} GiB RSS"] if self.rss_mib is not None else []
        parts += ["lag flat"] if self.flat_lag else []
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Figure:
    rate: float | None = None  # per second
    p50_ms: float | None = None
    p99_ms: float | None = None
    rss_mib: float | None = None
    lag_flat: bool | None = None
    note: str = ""  # how it was measured (concurrency, in process, run length...)

    def text(self) -> str:
        parts = [f"{self.rate:,.0f}/s"] if self.rate is not None else []
        parts += [f"p50 {self.p50_ms:,.1f} ms"] if self.p50_ms is not None else []
        parts += [f"p99 {self.p99_ms:,.1f} ms"] if self.p99_ms is not None else []
        parts += [f"{self.rss_mib:,.1f} MiB RSS"] if self.rss_mib is not None else []
        if self.lag_flat is not None:
            parts.append("lag flat" if self.lag_flat else "lag grew")
        return ", ".join(parts) + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    what: str
    target: Target
    figure: Figure | None = None
    problem: str = ""  # why there is no figure
    top_frames: list[str] = field(default_factory=list)

    def verdict(self) -> str:
        """`met`, `missed`, or `not measured` (no figure, or a target it cannot judge);
        `reference` for a row without a target (measured only to compare others with)."""
        if self.figure is None:
            return "not measured"
        checks = _checks(self.target, self.figure)
        if not checks:
            return "reference"
        if any(ok is None for ok in checks):
            return "not measured"
        return "met" if all(checks) else "missed"


def _checks(target: Target, figure: Figure) -> list[bool | None]:
    """One entry per target the row has: True met, False missed, None no figure for it."""

    def at_least(goal: float | None, value: float | None) -> list[bool | None]:
        return [] if goal is None else [None if value is None else value >= goal]

    def at_most(goal: float | None, value: float | None) -> list[bool | None]:
        return [] if goal is None else [None if value is None else value <= goal]

    lag: list[bool | None] = [figure.lag_flat] if target.flat_lag else []
    return [
        *at_least(target.rate, figure.rate),
        *at_most(target.p99_ms, figure.p99_ms),
        *at_most(target.rss_mib, figure.rss_mib),
        *lag,
    ]


ROWS = (
    Row("read", "read by id (JWT, relationship, audit)", Target(3000, 25)),
    Row("submit", "A&G submission", Target(400, 100)),
    Row("create", "plain create of a small resource", Target(1000, 50)),
    Row("worklist", "worklist search (20 of 500 by due date)", Target(1000, 50)),
    Row("careplan", "care plan update with Provenance", Target(400)),
    Row("events", "events commit -> other service's effect", Target(1000, 150, flat_lag=True)),
    Row("catchup", "consumer catch-up, referral -> care-plan", Target(1000)),
    Row("memory", "memory: four APIs + four workers", Target(rss_mib=1024)),
    Row("ceiling", "for reference: the same API's /healthz (no token, SQL or audit)", Target()),
)


def machine_facts() -> dict[str, object]:
    """Cores, RAM, CPU model and how busy the machine was (other work shares it)."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(memory, 1),
        "cpu": model,
        "python": platform.python_version(),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }


def _machine_line(facts: dict[str, object]) -> str:
    def load(key: str) -> str:
        value = facts.get(key)
        return ", ".join(f"{x:g}" for x in value) if isinstance(value, list) else "?"

    before = f"{load('load_average_before')} before, " if "load_average_before" in facts else ""
    profiled = "; py-spy was recording (it takes CPU too)" if facts.get("profiled") else ""
    return (
        f"Machine: {facts.get('cores')} cores, {facts.get('ram_gib')} GiB RAM, "
        f"{facts.get('cpu')}, Python {facts.get('python')}; load average {before}"
        f"{load('load_average')} after (shared with other work: figures are lower than on "
        f"an idle machine){profiled}"
    )


def render(rows: list[Row], facts: dict[str, object], *, frames: int = 8) -> str:
    """The table as Markdown, the machine above it, each row's top frames below it."""
    lines = [_machine_line(facts), "", "| what | today | target | verdict |"]
    lines.append("| --- | --- | --- | --- |")
    for row in rows:
        today = row.figure.text() if row.figure else f"not measured: {row.problem or '?'}"
        lines.append(f"| {row.what} | {today} | {row.target.text()} | {row.verdict()} |")
    for row in rows:
        if row.top_frames:
            lines += ["", f"Top frames, {row.what}:", *row.top_frames[:frames]]
    return "\n".join(lines)


def to_json(rows: list[Row], facts: dict[str, object], when: datetime) -> bytes:
    document = {
        "when": when.isoformat(),
        "machine": facts,
        "rows": [
            {
                "key": row.key,
                "what": row.what,
                "today": asdict(row.figure) if row.figure else None,
                "target": asdict(row.target),
                "verdict": row.verdict(),
                "problem": row.problem,
                "top_frames": row.top_frames,
            }
            for row in rows
        ],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2)


def write_json(folder: Path, rows: list[Row], facts: dict[str, object]) -> Path:
    """`bench-<UTC timestamp>.json` in `folder`; returns its path."""
    when = datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{when.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_bytes(to_json(rows, facts, when))
    return path


_TEMPLATES = {row.key: row for row in ROWS}


def filled(
    key: str, figure: Figure | None, problem: str = "", top_frames: list[str] | None = None
) -> Row:
    """The table's row `key` with what was measured for it."""
    return replace(_TEMPLATES[key], figure=figure, problem=problem, top_frames=top_frames or [])
