"""The screens each role has, for the role-aware home page (issues 10 and 11).

One table, so the home page, the navigation and the tests agree on what exists. A
screen not built yet is listed with `built=False` and shown as "coming soon" without a
link; whoever builds it adds the route and flips the flag. Patient screens name the
NHS login level they need: P5 to send a request, P9 to see records. The home page
tells a patient signed in at a lower level what would let them in, rather than hiding
the screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from carecoord_shared.security.principal import Role
from portal.web.identity import ProofingLevel, WebUser

__all__ = ["SCREENS", "Screen", "screens_for"]


@dataclass(frozen=True, slots=True)
class Screen:
    title: str
    href: str
    description: str
    built: bool = False
    needs_level: ProofingLevel | None = None


_INDICATORS = Screen(
    "Indicators",
    "/indicators",
    "G1 to G3 by practice and locality, with the numbers behind them.",
    built=True,
)

# The duty pages of a practice or co-ordinator (web/duty): red-flag callbacks to make
# and patients' requests to answer.
_DUTY = (
    Screen(
        "Red-flag callbacks",
        "/duty/callbacks",
        "Patients to ring back now, and the callbacks recorded.",
        built=True,
    ),
    Screen(
        "Patients' requests",
        "/duty/requests",
        "Online requests from patients, to read and answer.",
        built=True,
    ),
)

SCREENS: dict[Role, tuple[Screen, ...]] = {
    "gp": (
        Screen(
            "Ask for advice and guidance",
            "/advice/new",
            "Find a service and send a request.",
            built=True,
        ),
        Screen(
            "Your practice's requests",
            "/advice",
            "Open requests and those awaiting you.",
            built=True,
        ),
        Screen(
            "MDT actions for your practice",
            "/actions",
            "Acknowledge and complete actions.",
            built=True,
        ),
        *_DUTY,
        _INDICATORS,
    ),
    "triage-clinician": (
        Screen(
            "Triage worklist",
            "/triage",
            "Advice and referral requests for your services.",
            built=True,
        ),
    ),
    "care-coordinator": (
        Screen(
            "Your caseload",
            "/caseload",
            "Risk, cohorts and next review, overdue first.",
            built=True,
        ),
        Screen(
            "Unassigned patients",
            "/caseload/unassigned",
            "Patients with no co-ordinator.",
            built=True,
        ),
        *_DUTY,
        _INDICATORS,
    ),
    "mdt-member": (
        Screen(
            "Your MDTs and meetings",
            "/mdt",
            "Case lists, preparation and meeting mode.",
            built=True,
        ),
        Screen(
            "Actions board",
            "/mdt/actions",
            "Assigned, acknowledged and overdue actions.",
            built=True,
        ),
    ),
    "paramedic": (
        Screen(
            "Who to ring now",
            "/advice-lines",
            "Specialist advice lines in your locality.",
            built=True,
        ),
        Screen(
            "Record a call",
            "/advice-lines/calls/new",
            "The call and its conveyance outcome.",
            built=True,
        ),
    ),
    "admin": (
        Screen("Service directory", "/directory", "Services, advice lines and rotas."),
        Screen("Partner subscriptions", "/subscriptions", "Webhook endpoints and deliveries."),
        _INDICATORS,
    ),
    "patient": (
        Screen("Ask for help", "/start", "Check symptoms and find the right place.", built=True),
        Screen(
            "Send a request to your GP practice",
            "/requests/new",
            "An online consultation.",
            needs_level="P5",
            built=True,
        ),
        Screen(
            "Your care plan", "/my/plan", "Your goals and your plan.", needs_level="P9", built=True
        ),
        Screen(
            "Your care co-ordinator",
            "/my/coordinator",
            "Who they are and how to reach them.",
            needs_level="P9",
        ),
        Screen(
            "Your requests and referrals",
            "/my/requests",
            "What happens next, and when.",
            needs_level="P9",
        ),
        Screen(
            "Messages",
            "/my/messages",
            "Messages with your practice or co-ordinator.",
            needs_level="P9",
        ),
    ),
}

_RANK = {"P0": 0, "P5": 5, "P9": 9}


def level_allows(user: WebUser, screen: Screen) -> bool:
    """Whether a patient's proofing level is enough for the screen (staff: always)."""
    if screen.needs_level is None or not user.is_patient:
        return True
    return _RANK[user.proofing_level or "P0"] >= _RANK[screen.needs_level]


def screens_for(user: WebUser) -> tuple[Screen, ...]:
    return SCREENS.get(user.role, ())
