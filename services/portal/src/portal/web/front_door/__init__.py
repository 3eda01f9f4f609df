"""The patient front door's pages: red flags first (no sign-in), then asking for help,
routed safely, and a signed-in patient's own record (issue 11)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal.web.context import Context, Kit

__all__ = ["add_front_door_pages"]

# Placeholder wording until the front door's versioned rule file exists (issue 11).
_RED_FLAGS = (
    "Chest pain, or pain that spreads to your arms, back, neck or jaw",
    "Signs of a stroke: face dropping, weak arms, slurred speech",
    "Severe difficulty breathing",
    "Sudden swelling of your lips, mouth, throat or tongue",
    "Heavy bleeding that will not stop",
    "Fainting, or a fit (seizure)",
    "Sudden confusion",
    "A rash that does not fade when you press a glass against it",
    "Thoughts of ending your life, or feeling unable to keep yourself safe",
)


async def start(request: Request, kit: Kit, context: Context) -> Response:
    """Patients: ask for help, red flags first (no sign-in)."""
    title = "Ask for help with a health problem"
    return kit.page(request, context, "start.html", title, red_flags=_RED_FLAGS)


def add_front_door_pages(router: APIRouter) -> None:
    router.add_api_route("/start", start, methods=["GET"])
