"""The staff portal's pages: worklists, requests, caseloads, plans, MDT meeting mode,
the paramedic console and the indicators (issue 10)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["add_staff_pages"]


def add_staff_pages(router: APIRouter) -> None:
    """Each staff screen adds its routes here."""
    del router  # no staff screens yet
