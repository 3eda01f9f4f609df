"""The MDT members' actions board: every action their MDTs assigned, by owner and due date.

The actions of one MDT are the `mdt-action` Tasks that are `partOf` its case Tasks
(owned by the CareTeam): one search per MDT, the cases with their actions through
`_revinclude=Task:part-of`, read with the member's own token (the mdt service decides
what they may see). Overdue first, then open ones by due date, completed last; the
board filters by state, owner and MDT. A member marks an action done (`$complete`);
acknowledging stays with the owning practice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.service.bff.client import FhirClient, Json
from portal.service.bff.mdt_actions import ActionView, action_view
from portal.service.bff.mdt_shapes import TeamView
from portal.service.bff.mdt_vocabulary import MDT_CODES
from portal.service.bff.shapes import identifier_value

__all__ = ["BoardAction", "BoardFilter", "board_order", "team_actions"]


@dataclass(frozen=True, slots=True)
class BoardAction:
    action: ActionView
    owner: str
    team: str

    @property
    def board_state(self) -> str:
        return "overdue" if self.action.overdue else self.action.state

    @property
    def state_label(self) -> str:
        """The state as the MDT sees it: the owning practice, not "you", acknowledges."""
        if self.board_state == "assigned":
            return "Waiting for the practice to acknowledge"
        return self.action.state_label


@dataclass(frozen=True, slots=True)
class BoardFilter:
    state: str = "open"
    owner: str = ""
    team: str = ""

    def keeps(self, item: BoardAction) -> bool:
        if self.state == "open" and item.action.state == "completed":
            return False
        if self.state not in ("open", "all") and item.board_state != self.state:
            return False
        return (not self.owner or item.owner == self.owner) and (
            not self.team or item.team == self.team
        )


def owner_text(task: Json) -> str:
    owner = task.get("owner") or {}
    ods = identifier_value(owner)
    return str(owner.get("display") or (f"GP practice {ods}" if ods else "Not named"))


async def _one_team(api: FhirClient, team: TeamView, today: date) -> list[BoardAction]:
    reply = await api.get(
        "Task",
        [
            ("code", f"{MDT_CODES}|mdt-case"),
            ("owner", f"CareTeam/{team.id}"),
            ("_revinclude", "Task:part-of"),
            ("_count", "200"),
        ],
    )
    tasks = reply.resources("Task")
    actions = [t for t in tasks if any(c.get("code") == "mdt-action" for c in _codes(t))]
    return [BoardAction(action_view(t, today), owner_text(t), team.name) for t in actions]


def _codes(task: Json) -> list[Json]:
    return list((task.get("code") or {}).get("coding") or [])


async def team_actions(api: FhirClient, teams: list[TeamView], today: date) -> list[BoardAction]:
    """Every action the member's MDTs assigned: overdue first, then by due date."""
    found: list[BoardAction] = []
    for team in teams:
        found += await _one_team(api, team, today)
    return board_order(found)


def board_order(found: list[BoardAction]) -> list[BoardAction]:
    """Overdue first, then open ones by due date, completed last."""
    return sorted(
        found,
        key=lambda b: (
            b.action.state == "completed",
            not b.action.overdue,
            b.action.due or date.max,
            b.owner,
        ),
    )
