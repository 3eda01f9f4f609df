"""MDT actions given to a GP practice: the practice's list, acknowledge and complete.

An action Task (code `mdt-action`) owned by the practice's ODS code waits for the
practice to acknowledge it (`$acknowledge`, the owning practice only), and anyone with
a relationship with the patient marks it done (`$complete`). The mdt service decides
who may see and change each one; what the GP sees is what its token could read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from carecoord_shared.fhir.identifiers import ODS_SYSTEM
from portal.service.bff.client import FhirClient, Json
from portal.service.bff.clock import day_text
from portal.service.bff.mdt_vocabulary import ACTION_STATES, MDT_CODES
from portal.service.bff.shapes import first_code, identifier_value

__all__ = ["ActionView", "practice_actions", "settle"]

STEPS = ("acknowledge", "complete")


@dataclass(frozen=True, slots=True)
class ActionView:
    id: str
    description: str
    state: str
    due: date | None
    nhs_number: str
    case: str
    overdue: bool

    @property
    def state_label(self) -> str:
        return "Overdue" if self.overdue else ACTION_STATES.get(self.state, self.state)

    @property
    def due_text(self) -> str:
        return day_text(self.due) if self.due else "No due date"

    @property
    def can_acknowledge(self) -> bool:
        return self.state in ("assigned", "overdue")

    @property
    def can_complete(self) -> bool:
        return self.state != "completed"


def _due(task: Json) -> date | None:
    end = str(((task.get("restriction") or {}).get("period") or {}).get("end") or "")
    try:
        return date.fromisoformat(end[:10])
    except ValueError:
        return None


def action_view(task: Json, today: date) -> ActionView:
    state = first_code(task.get("businessStatus"))
    due = _due(task)
    part_of = next((str(p.get("reference", "")) for p in task.get("partOf", [])), "")
    return ActionView(
        id=str(task.get("id", "")),
        description=str(task.get("description", "")),
        state=state,
        due=due,
        nhs_number=identifier_value(task.get("for")),
        case=part_of,
        overdue=state == "overdue" or (state == "assigned" and due is not None and due < today),
    )


async def practice_actions(api: FhirClient, practice: str, today: date) -> list[ActionView]:
    """The practice's MDT actions: open ones first (overdue, then by due date)."""
    reply = await api.get(
        "Task",
        [
            ("code", f"{MDT_CODES}|mdt-action"),
            ("owner:identifier", f"{ODS_SYSTEM}|{practice}"),
            ("_count", "100"),
        ],
    )
    found = [action_view(t, today) for t in reply.resources("Task")]
    return sorted(found, key=lambda a: (a.state == "completed", not a.overdue, a.due or date.max))


async def settle(api: FhirClient, action_id: str, step: str) -> tuple[bool, list[str]]:
    """`$acknowledge` or `$complete` one action; whether it worked and the problems."""
    reply = await api.post(f"Task/{action_id}/${step}", {"resourceType": "Parameters"})
    if reply.ok:
        return True, []
    return False, [m for m in reply.issues() if m] or ["The action could not be changed"]
