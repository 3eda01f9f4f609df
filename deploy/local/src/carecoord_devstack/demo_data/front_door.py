"""The services the patient front door routes to, in referrals' directory (issue 11).

Pharmacy First pharmacies, self-referral services, NHS 111, the mental health crisis
line and 999 / A&E, as HealthcareServices of the referrals service. Each carries the
front door's key (identifier system `FRONT_DOOR_SERVICE`, as the portal names them),
the category `front-door` (so the portal finds them all in one search), a group in
`type` where services stand in for each other (pharmacies), its phone and web address,
and its hours as FHIR `availableTime`. The portal reads them with its own system
credentials and keeps its last copy. Names and 01632 960xxx numbers are made up
(Ofcom's drama range).
"""

from __future__ import annotations

from urllib.parse import urlencode

from carecoord_devstack.demo_data.directory import ACUTE, AMBULANCE, COMMUNITY, MENTAL_HEALTH, Org
from carecoord_devstack.demo_data.model import LOCAL, JsonObject, Seed, concept, identifier
from carecoord_devstack.demo_data.model import organisation_ref as by_ods

__all__ = ["FRONT_DOOR_CATEGORY", "FRONT_DOOR_SERVICE", "front_door_seeds"]

FRONT_DOOR_SERVICE = f"{LOCAL}/front-door/service"
FRONT_DOOR_CATEGORY = (f"{LOCAL}/service-category", "front-door", "Patient front door")
_WEEK = ("mon", "tue", "wed", "thu", "fri")
_DAYS = (*_WEEK, "sat", "sun")
Hours = tuple[tuple[tuple[str, ...], str, str], ...]  # (days, opens, closes)
_ALWAYS: Hours = ()

# key, name, provider, group, phone, web address, hours (() = always open)
_SERVICES: tuple[tuple[str, str, Org, str | None, str, str | None, Hours], ...] = (
    ("ambulance-999", "Emergency services (999)", AMBULANCE, None, "999", None, _ALWAYS),
    ("emergency-department", "A&E, Borough General Hospital", ACUTE, None, "999", None, _ALWAYS),
    ("nhs-111", "NHS 111 online", AMBULANCE, None, "111", "https://111.nhs.uk", _ALWAYS),
    ("nhs-111-phone", "NHS 111 by phone", AMBULANCE, None, "111", None, _ALWAYS),
    (
        "mental-health-line",
        "NHS 111 option 2 (mental health) and Samaritans 116 123",
        MENTAL_HEALTH, None, "111", None, _ALWAYS,
    ),
    (
        "pharmacy", "High Street Pharmacy (Pharmacy First)", COMMUNITY, "pharmacy",
        "01632 960001", None, ((_DAYS[:6], "08:00", "22:00"), (("sun",), "10:00", "16:00")),
    ),
    (
        "pharmacy-market-square", "Market Square Pharmacy (Pharmacy First)", COMMUNITY,
        "pharmacy", "01632 960002", None,
        ((_WEEK, "07:00", "23:00"), (("sat",), "08:00", "23:00"), (("sun",), "09:00", "21:00")),
    ),
    (
        "pharmacy-borough-general", "Borough General Hospital 24-hour Pharmacy (Pharmacy First)",
        ACUTE, "pharmacy", "01632 960003", None, _ALWAYS,
    ),
    (
        "physiotherapy", "Community MSK Physiotherapy", COMMUNITY, None, "01632 960010",
        f"{LOCAL}/self-referral/physiotherapy", ((_WEEK, "08:30", "17:00"),),
    ),
    (
        "podiatry", "Community Podiatry", COMMUNITY, None, "01632 960011",
        f"{LOCAL}/self-referral/podiatry",
        ((_WEEK[:4], "09:00", "17:00"), (("fri",), "09:00", "16:30")),
    ),
    (
        "hearing", "Community Hearing Service", COMMUNITY, None, "01632 960012",
        f"{LOCAL}/self-referral/hearing", ((_WEEK, "09:00", "17:00"),),
    ),
    (
        "talking-therapies", "NHS Talking Therapies", MENTAL_HEALTH, None, "01632 960013",
        f"{LOCAL}/self-referral/talking-therapies",
        ((_WEEK[:4], "08:00", "20:00"), (("fri",), "08:00", "17:00")),
    ),
)  # fmt: skip


def _available(hours: Hours) -> list[JsonObject]:
    if not hours:
        return [{"allDay": True}]
    return [
        {
            "daysOfWeek": list(days),
            "availableStartTime": f"{opens}:00",
            "availableEndTime": f"{closes}:00",
        }
        for days, opens, closes in hours
    ]


def _seed(
    key: str, name: str, org: Org, group: str | None, phone: str, url: str | None, hours: Hours
) -> Seed:
    telecom: list[JsonObject] = [{"system": "phone", "value": phone, "use": "work"}]
    if url:
        telecom.append({"system": "url", "value": url})
    resource: JsonObject = {
        "resourceType": "HealthcareService",
        "identifier": [identifier(FRONT_DOOR_SERVICE, key)],
        "active": True,
        "providedBy": by_ods(org.ods, org.name),
        "category": [concept(*FRONT_DOOR_CATEGORY)],
        "name": name,
        "telecom": telecom,
        "availableTime": _available(hours),
    }
    if group:
        resource["type"] = [concept(f"{LOCAL}/front-door-group", group, group.capitalize())]
    return Seed("referrals", resource, urlencode({"identifier": f"{FRONT_DOOR_SERVICE}|{key}"}))


def front_door_seeds() -> list[Seed]:
    """The front door's services, for referrals' second stage (after the organisations)."""
    return [_seed(*entry) for entry in _SERVICES]
