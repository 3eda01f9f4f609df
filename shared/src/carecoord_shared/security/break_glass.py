"""Break-glass: emergency access to a patient with no recorded relationship, on evidence.

A clinician may need a record in an emergency (an unconscious patient, an urgent
advice call) before any relationship exists. Breaking the glass records a coded
reason and a free-text account of substance, opens access to that one patient for a
bounded time in this service, and is audited with a break-glass purpose of use; every
read under it is audited the same way. Because it bypasses the normal rule, it is
bounded: clinical staff only, a patient this service knows, at most five a clinician
per hour (a rate limit that information governance can review), and nothing vague.
Local policy, to be confirmed by the ICS information governance lead.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.outcome import FhirError, Issue, bad_request, business_rule, forbidden
from carecoord_shared.security import audit
from carecoord_shared.security.access import access_grant, break_glass
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.tables import resource

__all__ = ["MAX_BREAK_GLASS_MINUTES", "REASON_CODES", "record_break_glass"]

MAX_BREAK_GLASS_MINUTES = 480
"""At most one shift (8 hours)."""
PER_HOUR = 5
REASON_CODES: dict[str, str] = {
    "emergency-treatment": "The patient needs treatment now and cannot wait",
    "patient-unable-to-consent": "The patient cannot give consent (unconscious, lacks capacity)",
    "urgent-advice": "Urgent clinical advice is being given about this patient",
    "safeguarding": "A safeguarding concern needs the record now",
}
"""Why the glass was broken (CodeSystem `break-glass-reason`, published by each service)."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NHS_NUMBER = re.compile(r"[0-9]{10}")
_MIN_WORDS, _MIN_CHARS, _MAX_CHARS = 3, 15, 1000


def _checked_account(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise bad_request("A reason is required to break the glass", ["reason"], code="required")
    if _CONTROL.search(text):
        raise bad_request("The reason may not contain control characters", ["reason"])
    if len(text) > _MAX_CHARS:
        raise bad_request(f"The reason must be at most {_MAX_CHARS} characters", ["reason"])
    if len(text) < _MIN_CHARS or len(text.split()) < _MIN_WORDS:
        raise bad_request(
            "Say why the record is needed now, in a few words (at least "
            f"{_MIN_WORDS} words and {_MIN_CHARS} characters)",
            ["reason"],
        )
    return text


def _check_request(principal: Principal, patient_nhs: str, code: str, minutes: int) -> None:
    if principal.kind != "staff" or principal.role in ("admin", "information-governance"):
        raise forbidden("Only clinical staff can record a break-glass access")
    if code not in REASON_CODES:
        raise bad_request(f"reasonCode must be one of {', '.join(REASON_CODES)}", ["reasonCode"])
    if not 0 < minutes <= MAX_BREAK_GLASS_MINUTES:
        raise bad_request(
            f"A break-glass lasts 1 to {MAX_BREAK_GLASS_MINUTES} minutes", ["minutes"]
        )
    if not _NHS_NUMBER.fullmatch(patient_nhs):
        raise bad_request("The patient must be given by a 10-digit NHS number", ["patient"])


async def _known_patient(conn: AsyncConnection, patient_nhs: str) -> bool:
    """Known here: registered (a grant of any kind) or the subject of a stored record."""
    return bool(
        await conn.scalar(
            select(
                or_(
                    exists().where(access_grant.c.patient_nhs == patient_nhs),
                    exists().where(resource.c.patient_nhs == patient_nhs),
                )
            )
        )
    )


async def _recent(conn: AsyncConnection, principal: Principal) -> int:
    return int(
        await conn.scalar(
            select(func.count()).where(
                break_glass.c.user_id == principal.subject,
                break_glass.c.recorded_at > func.now() - timedelta(hours=1),
            )
        )
        or 0
    )


async def record_break_glass(
    conn: AsyncConnection,
    principal: Principal,
    patient_nhs: str,
    reason: str,
    minutes: int = 60,
    reason_code: str = "emergency-treatment",
) -> uuid.UUID:
    """Record a clinician's override; it opens access until it expires. Audited (action
    E) in the caller's transaction. 403 for anyone but clinical staff, 400 for a vague
    or malformed reason or duration, 422 for a patient this service does not know, 429
    past the hourly limit."""
    _check_request(principal, patient_nhs, reason_code, minutes)
    account = _checked_account(reason)
    if not await _known_patient(conn, patient_nhs):
        raise business_rule("This service holds no record of that patient", ["patient"])
    if await _recent(conn, principal) >= PER_HOUR:
        error = FhirError(
            429, [Issue("throttled", f"At most {PER_HOUR} break-glass accesses an hour")]
        )
        error.headers["Retry-After"] = "3600"
        raise error
    break_glass_id = uuid.uuid4()
    purpose = f"break-glass: {reason_code}: {account}"
    await conn.execute(
        break_glass.insert().values(
            id=break_glass_id,
            user_id=principal.subject,
            patient_nhs=patient_nhs,
            reason=f"{reason_code}: {account}",
            recorded_at=func.now(),
            expires_at=func.now() + timedelta(minutes=minutes),
        )
    )
    await audit.record(conn, principal, "E", "break-glass", patient_nhs, purpose=purpose)
    return break_glass_id
