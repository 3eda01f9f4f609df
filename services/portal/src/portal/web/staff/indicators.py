"""The indicators page: G1-G3 for the user's practice, a chosen locality and the whole
system, each drawn as a server-side SVG bar chart against its target band, with the
numbers behind every bar on hover and keyboard focus and the same figures as a table.

No script is needed: the chart is markup the server renders (so it works with
JavaScript off and is never an image of a table), and the locality is a plain GET form.
An area the person may not see, or a service that is down, is said in that area's part.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from carecoord_shared.security.principal import Role
from portal.service.bff import ServiceDown
from portal.service.bff.indicators import Area, area_figures
from portal.web.http import add_page
from portal.web.identity import WebUser
from portal.web.staff.common import Staff, down_part, staff

__all__ = ["add_indicator_pages"]

Reader = Annotated[Staff, Depends(staff("gp", "care-coordinator", "admin"))]
_PRACTICE_ROLES: tuple[Role, ...] = ("gp", "care-coordinator")
_LOCALITY = re.compile(r"[A-Za-z0-9-]{1,32}")


def _areas(user: WebUser, locality: str) -> list[tuple[str, str]]:
    areas = []
    if user.role in _PRACTICE_ROLES and user.organisation:
        areas.append(
            (
                f"Your practice ({user.organisation_name or user.organisation})",
                f"Organization/{user.organisation}",
            )
        )
    if locality:
        areas.append((f"Locality {locality}", f"Location/{locality}"))
    areas.append(("Whole system", ""))
    return areas


async def _figures(reader: Staff, heading: str, subject: str) -> Area | dict[str, str]:
    try:
        today = reader.now().date()
        return await area_figures(reader.services.care_plans, heading, subject, today)
    except ServiceDown as down:
        return down_part(down.service, "/indicators") | {"heading": heading}


async def indicators_page(reader: Reader) -> Response:
    typed = reader.query("locality", 64)
    locality = typed if _LOCALITY.fullmatch(typed) else ""
    areas = _areas(reader.session.user, locality)
    found = await asyncio.gather(*(_figures(reader, *area) for area in areas))
    figures = [a for a in found if isinstance(a, Area)]
    downs = [d for d in found if not isinstance(d, Area)]
    return reader.page(
        "staff/indicators.html", "Indicators", areas=figures, downs=downs[:1], locality=locality
    )


def add_indicator_pages(router: APIRouter) -> None:
    add_page(router, "/indicators", get=indicators_page)
