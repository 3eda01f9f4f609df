"""Unique Booking Reference Numbers, as e-RS numbers A&G requests and referrals.

`a.` for an advice & guidance request, `r.` for a referral, then twelve digits
(DOMAIN.md). Uniqueness is the store's job (a primary key); this only makes them.
"""

from __future__ import annotations

import re
import secrets
from typing import Literal

UbrnKind = Literal["a", "r"]
_UBRN = re.compile(r"[ar]\.[0-9]{12}")


def new_ubrn(kind: UbrnKind) -> str:
    return f"{kind}.{secrets.randbelow(10**12):012d}"


def is_ubrn(value: str) -> bool:
    return _UBRN.fullmatch(value) is not None
