"""The front door's services as referrals' directory holds them, with a last-known copy.

Referrals owns the directory (HealthcareServices written by an administrator) and
announces no event when it changes, so the portal reads it: every front door service
(category `front-door`, keyed by the identifier `$route` gives them) through
referrals' FHIR API with the portal's own system token (by the client credentials grant,
`system_token`, renewed before it expires; or a static token setting, which
overrides it), at most every
`front_door_directory_refresh_s`, in the background of the request that finds the copy
stale (no request waits for referrals). The copy read last is kept; while referrals is
down or has never answered, the last copy (at first the shipped directory file) is
used, so the front door never stops routing; a token the issuer refuses is logged
(without secrets) and the last copy kept. Services the file does not know may join
a group (another pharmacy); the rule set's keys must stay in the file.
"""

from __future__ import annotations

import asyncio
import logging
import time as clock
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from typing import Any, Protocol

from pydantic import SecretStr

from portal.domain.opening import DAYS, Hours, Service, Session
from portal.service.bff.client import FhirClient, ServiceDown
from portal.service.front_door_rules import FrontDoorFiles, FrontDoorRules, front_door_of
from portal.service.system_token import (
    ClientSettings,
    SystemToken,
    TokenRefused,
    portal_system_token,
)

__all__ = [
    "FRONT_DOOR_CATEGORY",
    "FRONT_DOOR_GROUP",
    "FRONT_DOOR_SERVICE",
    "LiveDirectory",
    "front_door_now",
    "live_directory",
    "services_of",
]

_LOCAL = "https://carecoord.example"
FRONT_DOOR_SERVICE = f"{_LOCAL}/front-door/service"  # as $route names them
FRONT_DOOR_CATEGORY = f"{_LOCAL}/service-category|front-door"
FRONT_DOOR_GROUP = f"{_LOCAL}/front-door-group"
_LOG = logging.getLogger(__name__)
_DAY_END = time(23, 59, 59, 999_999)


def _hours(available: object) -> Hours:
    week: dict[int, tuple[Session, ...]] = {}
    for entry in available if isinstance(available, list) else []:
        days = entry.get("daysOfWeek") if isinstance(entry, dict) else None
        if entry.get("allDay") and not days:
            return Hours(True, {})
        opens = time(0) if entry.get("allDay") else time.fromisoformat(entry["availableStartTime"])
        closes = _DAY_END if entry.get("allDay") else time.fromisoformat(entry["availableEndTime"])
        for day in days or ():
            week[DAYS.index(day)] = (*week.get(DAYS.index(day), ()), Session(opens, closes))
    return Hours(False, week)


def _telecom(resource: Mapping[str, Any], system: str) -> str | None:
    found = [t.get("value") for t in resource.get("telecom", []) if t.get("system") == system]
    return str(found[0]) if found and found[0] else None


def _service(resource: Mapping[str, Any]) -> Service | None:
    keys = [
        i.get("value")
        for i in resource.get("identifier", [])
        if i.get("system") == FRONT_DOOR_SERVICE
    ]
    groups = [
        c.get("code")
        for t in resource.get("type", [])
        for c in t.get("coding", [])
        if c.get("system") == FRONT_DOOR_GROUP
    ]
    if not keys or not isinstance(resource.get("name"), str) or resource.get("active") is False:
        return None
    phone, url = _telecom(resource, "phone"), _telecom(resource, "url")
    hours = _hours(resource.get("availableTime"))
    return Service(str(keys[0]), resource["name"], phone, url, hours, groups[0] if groups else None)


def services_of(bundle: Mapping[str, Any]) -> dict[str, Service]:
    """The front door services in a searchset Bundle of HealthcareServices (an entry
    that cannot be read is skipped and logged, never half-used)."""
    found: dict[str, Service] = {}
    for entry in bundle.get("entry", []):
        try:
            service = _service(entry.get("resource", {}))
        except (KeyError, ValueError, TypeError, AttributeError):
            _LOG.warning("front door: an unreadable HealthcareService in referrals' directory")
            continue
        if service is not None:
            found[service.key] = service
    return found


@dataclass
class LiveDirectory:
    """The last copy of referrals' front door services read by this process."""

    referrals_url: str
    token: str | SystemToken
    """A static token (the setting), or the portal's system client."""
    refresh_s: float
    timeout_s: float = 2.0
    services: dict[str, Service] = field(default_factory=dict)
    fetched_at: float | None = None
    _asked_at: float = float("-inf")
    _refreshing: asyncio.Task[bool] | None = None

    async def refresh(self) -> bool:
        """Read referrals now (False: it did not answer; the last copy is kept)."""
        self._asked_at = clock.monotonic()
        try:
            token = self.token if isinstance(self.token, str) else await self.token.bearer()
        except TokenRefused as refused:
            _LOG.warning(
                "front door: no system token for referrals' directory (%s); the last copy is kept",
                refused.reason,
            )
            return False
        api = FhirClient(
            "The referrals service", self.referrals_url, token, timeout_s=self.timeout_s
        )
        query = [("service-category", FRONT_DOOR_CATEGORY), ("_count", "500")]
        try:
            reply = await api.get("HealthcareService", query)
        except ServiceDown:
            return False
        if not reply.ok:
            _LOG.warning("front door: referrals refused the directory search (%s)", reply.status)
            if reply.status == 401 and isinstance(self.token, SystemToken):
                self.token.forget()
            return False
        self.services, self.fetched_at = services_of(reply.body), clock.monotonic()
        return True

    def over(self, shipped: FrontDoorRules) -> FrontDoorRules:
        """The shipped rules with this copy's services over the file's; a stale copy
        starts a refresh in the background (when there is a running loop)."""
        self._refresh_if_stale()
        if not self.services:
            return shipped
        return replace(shipped, services={**shipped.services, **self.services})

    def _refresh_if_stale(self) -> None:
        if clock.monotonic() - self._asked_at < self.refresh_s:
            return
        if self._refreshing is not None and not self._refreshing.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._asked_at = clock.monotonic()
        self._refreshing = loop.create_task(self.refresh())


class _DirectorySettings(ClientSettings, FrontDoorFiles, Protocol):
    @property
    def front_door_directory_token(self) -> SecretStr | None: ...

    @property
    def front_door_directory_refresh_s(self) -> float: ...

    @property
    def front_door_directory_scope(self) -> str: ...

    @property
    def referrals_url(self) -> str: ...


_LIVE: dict[tuple[str, ...], LiveDirectory] = {}


def _credentials(settings: _DirectorySettings) -> tuple[tuple[str, ...], str | SystemToken] | None:
    static = settings.front_door_directory_token
    if static is not None and static.get_secret_value():
        return (static.get_secret_value(),), static.get_secret_value()
    token = portal_system_token(settings, settings.front_door_directory_scope)
    if token is None:
        return None
    return (token.issuer, token.client_id, token.client_secret, token.scope), token


def live_directory(settings: _DirectorySettings) -> LiveDirectory | None:
    """This process's copy of referrals' front door services (None: neither a system
    client nor a static token is configured, so the shipped directory file is used)."""
    found = _credentials(settings)
    if found is None:
        return None
    key = (settings.referrals_url, *found[0])
    if key not in _LIVE:
        refresh_s = settings.front_door_directory_refresh_s
        _LIVE[key] = LiveDirectory(settings.referrals_url, found[1], refresh_s)
    return _LIVE[key]


def front_door_now(settings: _DirectorySettings) -> FrontDoorRules:
    """The rule set in force with the directory as referrals last said it was."""
    shipped = front_door_of(settings)
    live = live_directory(settings)
    return shipped if live is None else live.over(shipped)
