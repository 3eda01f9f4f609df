"""The message thread of a patient's front door request, between them and their team.

A request's thread is the patient's first words (the Communication the request is
about) and every message since (Communications `basedOn` the request), oldest first.
The patient (P9) and the staff who may see the patient (the kernel's relationship
check: a request that is not theirs to see is not found) add to it; a team message may
answer the request, which closes it (and opens the patient's feedback question).
Each message is announced (`message-sent`) in the same commit, and told to the open
staff pages of the thread (`store.live`, the request's reference only). A patient's
message stays unread (`UNREAD`) until a member of the team opens the thread
(`team_read`), which closes its chases (hazard O5); requests with unread messages are
listed for the team even once answered.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal, system_principal
from carecoord_shared.store.repository import StoredResource
from portal.domain.front_door_events import MESSAGE_SENT, message_sent
from portal.fhir.front_door import CATEGORY_SYSTEM, UNREAD, body_of, patient_of, thread_message
from portal.service.front_door_chasers import MESSAGE, REPLY, close_chases
from portal.store.live import LiveNotices

__all__ = [
    "Message",
    "RequestRow",
    "Thread",
    "post_message",
    "requests_for",
    "team_read",
    "thread_of",
]

_MESSAGES = f"{CATEGORY_SYSTEM}|request-message"


@dataclass(frozen=True, slots=True)
class Message:
    sent: str
    sender: str
    from_patient: bool
    text: str
    unread: bool = False
    """From the patient, and nobody of their team has opened the thread since."""


@dataclass(frozen=True, slots=True)
class Thread:
    request: RequestRow
    messages: tuple[Message, ...]


@dataclass(frozen=True, slots=True)
class RequestRow:
    """One request in a list: the patient's own, or a team's open ones."""

    id: str
    nhs_number: str
    sent: str
    advice: str
    service: str
    urgent: bool
    answered: bool
    unread: bool = False


def _row(stored: StoredResource) -> RequestRow:
    body = body_of(stored)
    reasons, recipients = body.get("reasonCode") or [{}], body.get("recipient") or [{}]
    return RequestRow(
        stored.id,
        patient_of(body),
        str(body.get("authoredOn", "")),
        str(reasons[0].get("text", "")),
        str(recipients[0].get("display", "")),
        body.get("priority") == "stat",
        body.get("status") == "completed",
    )


async def requests_for(
    fhir: FhirInteractions, reader: Principal, *, open_only: bool = False
) -> list[RequestRow]:
    """The requests `reader` may see (a patient: their own; staff: their patients'),
    newest first; `open_only`: those still open or with a patient's message unread."""
    items = [("_count", "100"), *([("status", "active")] if open_only else [])]
    found = await fhir.search(reader, "CommunicationRequest", items, strict=True)
    rows = {row.id: row for row in map(_row, found.result.matches)}
    if open_only:
        unread = [("status", UNREAD), ("category", _MESSAGES), ("_count", "200")]
        messages = await fhir.search(reader, "Communication", unread, strict=True)
        waiting = {body_of(m)["basedOn"][0]["reference"] for m in messages.result.matches}
        async with fhir.reads(reader) as tx:
            for reference in waiting:
                stored = await tx.read(*reference.split("/", 1))
                rows[stored.id] = replace(_row(stored), unread=True)
    return sorted(rows.values(), key=lambda r: r.sent, reverse=True)


def _message(body: dict[str, Any]) -> Message:
    sender = body.get("sender") or {}
    from_patient = "identifier" in sender
    return Message(
        str(body.get("sent", "")),
        "You" if from_patient else str(sender.get("display", "Your care team")),
        from_patient,
        "\n".join(_said(body)),
        from_patient and body.get("status") == UNREAD,
    )


def _said(body: dict[str, Any]) -> list[str]:
    """What a message says, without the question codes a request also keeps."""
    texts = (str(p.get("contentString", "")) for p in body.get("payload", []))
    return [t for t in texts if not t.startswith("Answered yes: ")]


async def _thread(tx: FhirTransaction, request_id: str) -> Thread:
    stored = await tx.read("CommunicationRequest", request_id)
    request = body_of(stored)
    about = [a["reference"].split("/", 1)[1] for a in request.get("about", [])]
    first = [_message(body_of(await tx.read("Communication", i))) for i in about]
    on = [("based-on", f"CommunicationRequest/{request_id}"), ("_count", "200")]
    found = (await tx.search("Communication", on)).matches
    replies = sorted((_message(body_of(s)) for s in found), key=lambda m: m.sent)
    return Thread(_row(stored), (*first, *replies))


async def thread_of(fhir: FhirInteractions, reader: Principal, request_id: str) -> Thread:
    """The request and its thread, as `reader` may see it (404 when they may not)."""
    async with fhir.reads(reader) as tx:
        return await _thread(tx, request_id)


async def post_message(
    fhir: FhirInteractions,
    writer: Principal,
    request_id: str,
    text: str,
    staff: str | None,
    answers: bool,
    now: datetime,
) -> None:
    """Add `text` to the thread (from the patient when `staff` is None); a team message
    that `answers` the request closes it."""
    async with fhir.operation(writer) as tx:
        stored = await tx.read("CommunicationRequest", request_id, lock=True)
        request = body_of(stored)
        nhs = patient_of(request)
        body = thread_message(nhs, stored.reference, text, staff, now)
        message, _ = await tx.create("Communication", body)
        answered = answers and staff is not None and request.get("status") != "completed"
        if answered:
            request["status"] = "completed"
            await tx.update("CommunicationRequest", request_id, request, if_match=None)
            await close_chases(tx, REPLY, stored.reference, now)
        await tx.repository(LiveNotices).announce([stored.reference])
        data = message_sent(stored.reference, message.reference, staff is not None, answered)
        await tx.outbox.announce(MESSAGE_SENT, subject=stored.reference, nhs_number=nhs, data=data)


async def team_read(fhir: FhirInteractions, request_id: str, now: datetime) -> int:
    """A member of the team who may see the thread has opened it: the patient's unread
    messages on it are read now, and their chases closed (call only after the thread
    was read as that member). The number of messages marked read."""
    reference = f"CommunicationRequest/{request_id}"
    items = [("based-on", reference), ("status", UNREAD), ("_count", "200")]
    try:
        async with fhir.operation(system_principal("portal-front-door")) as tx:
            found = (await tx.search("Communication", items)).matches
            for stored in found:
                body = body_of(stored) | {"status": "completed", "received": now.isoformat()}
                await tx.update("Communication", stored.id, body, if_match=stored.version_id)
            if found:
                await close_chases(tx, MESSAGE, reference, now)
    except FhirError as error:
        if error.status not in (409, 412):
            raise
        return 0  # a colleague opened the thread at the same moment: read by them
    return len(found)
