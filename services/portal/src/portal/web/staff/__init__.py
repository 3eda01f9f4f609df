"""The staff portal's pages: worklists, requests, caseloads, plans, MDT meeting mode,
the paramedic console and the indicators (issue 10)."""

from __future__ import annotations

from fastapi import APIRouter

from portal.web.staff.advice import add_advice_pages
from portal.web.staff.caseload import add_caseload_pages
from portal.web.staff.caseload_team import add_team_pages
from portal.web.staff.indicators import add_indicator_pages
from portal.web.staff.live import add_live_routes
from portal.web.staff.live_mdt import add_live_mdt_routes
from portal.web.staff.mdt import add_mdt_pages
from portal.web.staff.paramedic import add_paramedic_pages
from portal.web.staff.triage import add_triage_pages

__all__ = ["add_staff_pages"]


def add_staff_pages(router: APIRouter) -> None:
    """Each staff screen adds its routes here."""
    add_triage_pages(router)
    add_advice_pages(router)
    add_caseload_pages(router)
    add_team_pages(router)
    add_paramedic_pages(router)
    add_indicator_pages(router)
    add_live_routes(router)
    add_live_mdt_routes(router)
    add_mdt_pages(router)
