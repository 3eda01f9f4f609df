"""What a chaos run says at the end: recovery per fault, what clients saw, the verdict.

The acceptance of issue 15 is about what a person would see from outside: a worker
consuming again within 30 s of being killed, the path consuming again within 60 s of
the broker's return, clients told only "503, retry after" while the database was away
and nothing at all while Kafka was, APIs' /readyz staying 200 (degraded) meanwhile,
and the data whole. This module turns the run's records (fault results, every answer
a client got, /readyz samples, the data checks) into those findings, one line each,
and a list of failures: an empty list is a pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from carecoord_devstack.chaos_checks import Verdict
from carecoord_devstack.chaos_faults import LIMIT_S, FaultResult
from carecoord_devstack.chaos_load import Answer, Unit

__all__ = [
    "WORKER_LIMIT_S",
    "answers_findings",
    "data_findings",
    "readiness_findings",
    "recovery_findings",
    "units_findings",
]

Echo = Callable[[str], None]
WORKER_LIMIT_S = 30.0  # fault -> consuming again, for a worker, relay or API replica kill
BROKER_LIMIT_S = 60.0  # broker back -> consuming again
DATABASE_GRACE_S = 10.0  # 503s are still expected this long after consuming resumed
EXPECTS_DEGRADED_AFTER_S = 8.0  # an API rechecks Kafka every 5 s


def _window(result: FaultResult, grace: float = 0.0) -> tuple[float, float]:
    """From the kill until the process was back and consuming (an API replica is away
    until it is back, though the others consume all along), plus `grace`."""
    if result.consuming_s is None or result.back_s is None:
        return result.at, result.at + LIMIT_S[result.fault.kind] + grace
    return result.at, result.at + max(result.back_s, result.consuming_s) + grace


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def recovery_findings(
    results: Sequence[FaultResult], echo: Echo, *, enforce: bool = True
) -> list[str]:
    """Print the recovery of each fault; the limits it broke (with `enforce` False, a
    slow recovery is only pointed out: a fault never recovered from always fails)."""
    failures, slow = [], []
    echo("Recovery per fault (kill -> back: health answers; -> consuming: events applied again)")
    echo(f"  {'fault':<36} {'back':>9} {'consuming':>10} {'after back':>11}")
    for result in results:
        label = f"kill -9 {result.name}" + (" (relay)" if result.fault.kind == "relay" else "")
        infra = result.fault.kind in ("kafka", "postgres")
        after = _seconds(result.after_back_s) if infra else ""
        echo(
            f"  {label:<36} {_seconds(result.back_s):>9} "
            f"{_seconds(result.consuming_s):>10} {after:>11}"
        )
        if result.consuming_s is None:
            failures.append(f"{label}: not consuming again within {LIMIT_S[result.fault.kind]} s")
        elif result.fault.kind == "kafka" and (result.after_back_s or 0) > BROKER_LIMIT_S:
            slow.append(f"{label}: consuming {result.after_back_s:.1f} s after its return")
        elif not infra and result.consuming_s > WORKER_LIMIT_S:
            slow.append(f"{label}: consuming again only after {result.consuming_s:.1f} s")
    limits = f"limits: {WORKER_LIMIT_S:g} s per process kill, {BROKER_LIMIT_S:g} s after the broker"
    for line in slow if not enforce else ():
        echo(f"  slow ({limits}; not enforced in this run): {line}")
    return failures + (slow if enforce else [])


def _allowed(answer: Answer, results: Sequence[FaultResult]) -> str | None:
    """Why this answer is fine (None: it is not)."""
    if 200 <= answer.status < 300:
        return "ok"
    for result in results:
        if result.fault.kind == "postgres":
            start, end = _window(result, DATABASE_GRACE_S)
            if start <= answer.at <= end and answer.status == 503 and answer.retry_after:
                return "503 + Retry-After, database outage"
        if result.fault.kind in ("postgres", "api") and answer.status == 409:
            start, end = _window(result, DATABASE_GRACE_S)
            if start <= answer.at <= end and answer.what == "triage":
                return "409 on a retried triage that had committed unanswered"
        if result.fault.kind == "api" and answer.status == 0:
            start, end = _window(result, 5.0)
            if start <= answer.at <= end:
                return "connection refused by the killed replica: tried on the other"
    return None


def _phase(answer: Answer, results: Sequence[FaultResult]) -> str:
    for result in results:
        start, end = _window(result)
        if start <= answer.at <= end:
            return f"during kill -9 {result.name}"
    return "with no fault"


def answers_findings(
    answers: Sequence[Answer], results: Sequence[FaultResult], echo: Echo
) -> list[str]:
    """What clients saw, and each answer they should not have seen."""
    fine: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for answer in answers:
        why = _allowed(answer, results)
        if why is None:
            shown = "no answer" if answer.status == 0 else str(answer.status)
            wrong[f"{answer.what} {shown} {_phase(answer, results)}"] += 1
        else:
            fine[why] += 1
    echo(f"Clients: {len(answers):,} answers")
    for why, count in fine.most_common():
        echo(f"  {count:>7,}  {why}")
    for what, count in wrong.most_common():
        echo(f"  {count:>7,}  NOT EXPECTED: {what}")
    return [f"clients got {what} (x{count})" for what, count in wrong.items()]


def readiness_findings(
    samples: Sequence[tuple[float, str, int, str]], results: Sequence[FaultResult], echo: Echo
) -> list[str]:
    """APIs' /readyz during each broker outage: always 200, degraded while it lasted."""
    failures = []
    for result in (r for r in results if r.fault.kind == "kafka"):
        start, end = _window(result)
        during = [s for s in samples if start <= s[0] <= end]
        bad = Counter(f"{name} {code} {state}" for _, name, code, state in during if code != 200)
        failures += [f"/readyz of {what} (x{n}) while Kafka was down" for what, n in bad.items()]
        names = {name for _, name, _, _ in during}
        if (result.back_s or 0) >= EXPECTS_DEGRADED_AFTER_S:
            degraded = {name for _, name, code, state in during if state == "degraded"}
            failures += [
                f"/readyz of {n} never said degraded while Kafka was down"
                for n in sorted(names - degraded)
            ]
        states = Counter(f"{code} {state}" for _, _, code, state in during)
        echo(f"  /readyz during kill -9 kafka: {dict(states)}")
    return failures


def units_findings(units: Sequence[Unit]) -> list[str]:
    """Units a client gave up on (a refusal it should never have had), by reason."""
    reasons = Counter(unit.failed for unit in units if unit.failed)
    return [f"clients gave up on {n} units: {why}" for why, n in reasons.items()]


def data_findings(verdict: Verdict, units: int, echo: Echo) -> list[str]:
    echo(
        f"Data: {units:,} units sent, {verdict.acknowledged:,} acknowledged, "
        f"{verdict.committed:,} advice events committed; lost {len(verdict.lost)}, "
        f"duplicated {len(verdict.duplicated)}, reordered {len(verdict.reordered)}, "
        f"unlinked {len(verdict.unlinked)}, dead letters {sum(verdict.dead_letters.values())}, "
        f"unpublished {verdict.unpublished}"
    )
    failures = [
        f"lost: committed advice without its Task: ServiceRequest/{r}" for r in verdict.lost
    ]
    failures += [f"duplicated: {d}" for d in verdict.duplicated]
    failures += [f"reordered: {r}" for r in verdict.reordered]
    failures += [f"unlinked: Task for ServiceRequest/{r}" for r in verdict.unlinked]
    failures += [
        f"acknowledged but never committed: unit {n}" for n in verdict.acknowledged_not_committed
    ]
    failures += [f"dead letters in {t}: {n}" for t, n in verdict.dead_letters.items() if n]
    if verdict.unpublished:
        failures.append(f"{verdict.unpublished} outbox rows never published")
    return failures
