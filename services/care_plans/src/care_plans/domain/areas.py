"""Whose patients a worklist or an indicator covers: a practice, a locality, or everyone.

Indicators "roll up patient -> practice -> MDT/locality -> system" (DOMAIN.md); the
same scope selects caseloads and worklists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Area:
    """A practice (ODS code), a locality, both, or (neither) the whole system."""

    practice: str | None = None
    locality: str | None = None
