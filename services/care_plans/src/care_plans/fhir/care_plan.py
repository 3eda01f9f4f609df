"""Reading a CarePlan's FHIR JSON into the facts the rules use (`domain.care_plan`).

The last review is recorded on the plan (extension `care-plan-last-reviewed`), or,
when none is, the plan's start.
End-of-life preferences (EPaCCS-style: preferred place of care and death,
resuscitation decision with who decided and when, key contacts) are carried in one
extension so they reach the paramedic summary in `careplan.revised` events.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from care_plans.domain.care_plan import PlanFacts
from care_plans.domain.codes import COMPREHENSIVE
from care_plans.fhir.vocabulary import (
    EXT_AGREEMENT,
    EXT_CO_DEVELOPMENT,
    EXT_END_OF_LIFE,
    EXT_LAST_REVIEWED,
    PLAN_KIND_SYSTEM,
)

Json = dict[str, Any]


def _extension(resource: Json, url: str) -> Json | None:
    for extension in resource.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == url:
            return extension
    return None


def _date(text: object) -> date | None:
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def is_comprehensive(plan: Json) -> bool:
    return any(
        coding.get("system") == PLAN_KIND_SYSTEM and coding.get("code") == COMPREHENSIVE
        for category in plan.get("category") or []
        for coding in category.get("coding") or []
    )


def last_reviewed(plan: Json) -> date | None:
    extension = _extension(plan, EXT_LAST_REVIEWED)
    reviewed = _date((extension or {}).get("valueDateTime") or (extension or {}).get("valueDate"))
    return reviewed or _date((plan.get("period") or {}).get("start")) or _date(plan.get("created"))


def facts_of(plan: Json) -> PlanFacts:
    return PlanFacts(
        comprehensive=is_comprehensive(plan),
        active=plan.get("status") == "active",
        co_developed=_extension(plan, EXT_CO_DEVELOPMENT) is not None,
        agreed=bool((_extension(plan, EXT_AGREEMENT) or {}).get("valueBoolean")),
        goal_count=len(plan.get("goal") or []),
        last_reviewed=last_reviewed(plan),
    )


def _sub(extension: Json, url: str) -> Json:
    for part in extension.get("extension") or []:
        if part.get("url") == url:
            return dict(part)
    return {}


def end_of_life(plan: Json) -> Json | None:
    """The end-of-life block of a `careplan.revised` event, or None."""
    extension = _extension(plan, EXT_END_OF_LIFE)
    if extension is None:
        return None
    resuscitation = _sub(extension, "resuscitation")
    return {
        "preferredPlaceOfCare": _sub(extension, "preferredPlaceOfCare").get("valueString"),
        "preferredPlaceOfDeath": _sub(extension, "preferredPlaceOfDeath").get("valueString"),
        "resuscitation": {
            "decision": _sub(resuscitation, "decision").get("valueString"),
            "decidedBy": (_sub(resuscitation, "decidedBy").get("valueReference") or {}).get(
                "display"
            )
            or (_sub(resuscitation, "decidedBy").get("valueReference") or {}).get("reference"),
            "decidedOn": _sub(resuscitation, "decidedOn").get("valueDateTime"),
        },
        "keyContacts": [
            part.get("valueString")
            for part in extension.get("extension") or []
            if part.get("url") == "keyContact" and part.get("valueString")
        ],
    }
