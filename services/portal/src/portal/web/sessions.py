"""Server-side web sessions and sign-ins in progress, in the portal's own database.

Why server-side: signing out and timing out must really end access (a cookie holding
the tokens would stay valid wherever it was copied), the access token the portal calls
the services with must never reach the browser, and every API process must see the
same sessions. The cookie carries only a random id; the table keeps its SHA-256, the
signed-in person, their tokens and the times that end the session: idle timeout (each
request moves `last_seen_at`), and an absolute end that is the earlier of the access
token's expiry and a maximum session length. A sign-in in progress (state, nonce, PKCE
verifier, where to return) is a `web_login` row, spent once, for ten minutes at most.

`SessionStore` is the port the routes use; `PostgresSessionStore` is the real thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Index,
    MetaData,
    Row,
    RowMapping,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_shared.db import NAMING
from carecoord_shared.store.columns import columns
from portal.store import MIGRATIONS
from portal.web.identity import WebUser
from portal.web.oidc import TokenSet
from portal.web.security import hash_id, random_token

__all__ = [
    "LOGIN_LIFETIME",
    "TOUCH_EVERY",
    "WEB_MIGRATIONS",
    "LoginAttempt",
    "PostgresSessionStore",
    "SessionStore",
    "WebSession",
    "web_login",
    "web_metadata",
    "web_session",
]

WEB_MIGRATIONS = MIGRATIONS
"""The alembic versions folder of these tables (branch `portal_web`)."""
LOGIN_LIFETIME = timedelta(minutes=10)
TOUCH_EVERY = timedelta(seconds=30)
"""How often a page view moves a session's idle clock: a write per page cost 7% of the
portal's CPU at 20 users; a session may therefore end up to this much before its idle
timeout, never after it."""

web_metadata = MetaData(naming_convention=NAMING)
_TIME = DateTime(timezone=True)
web_session = Table(
    "web_session",
    web_metadata,
    Column("id_hash", Text, primary_key=True),
    Column("subject", Text, nullable=False),
    Column("web_user", JSONB, nullable=False),
    *columns(Text, "access_token", "id_token"),
    *columns(_TIME, "created_at", "last_seen_at", "expires_at"),
    Index("ix_web_session_subject", "subject"),
    Index("ix_web_session_expires_at", "expires_at"),
)
web_login = Table(
    "web_login",
    web_metadata,
    Column("state_hash", Text, primary_key=True),
    *columns(Text, "nonce", "code_verifier", "return_to"),
    Column("created_at", _TIME, nullable=False),
    Index("ix_web_login_created_at", "created_at"),
)


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """A sign-in between our redirect to the provider and its callback."""

    state: str = field(repr=False)
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)
    return_to: str


@dataclass(frozen=True, slots=True)
class WebSession:
    """A live session. `id` is the cookie value, known only to the browser and this object."""

    id: str = field(repr=False)
    user: WebUser
    access_token: str = field(repr=False)
    id_token: str = field(repr=False)
    created_at: datetime
    expires_at: datetime


class SessionStore(Protocol):
    async def begin_login(self, attempt: LoginAttempt, now: datetime) -> None: ...

    async def finish_login(self, state: str, now: datetime) -> LoginAttempt | None:
        """The attempt for `state`, removed so it cannot be used twice; None if unknown or old."""
        ...

    async def create(
        self, user: WebUser, tokens: TokenSet, now: datetime, max_age: timedelta
    ) -> WebSession: ...

    async def load(self, session_id: str, now: datetime, idle: timedelta) -> WebSession | None:
        """The session if it is live (and now seen); an expired one is deleted."""
        ...

    async def delete(self, session_id: str) -> WebSession | None: ...

    async def purge_expired(self, now: datetime, idle: timedelta) -> int: ...


class PostgresSessionStore:
    """`SessionStore` on the portal's database. `engine` is called per use, so the app
    factory can pass `lambda: app.state.engine` before its lifespan has made the engine."""

    def __init__(self, engine: Callable[[], AsyncEngine]) -> None:
        self._engine = engine

    async def begin_login(self, attempt: LoginAttempt, now: datetime) -> None:
        row = {
            "state_hash": hash_id(attempt.state),
            "nonce": attempt.nonce,
            "code_verifier": attempt.code_verifier,
            "return_to": attempt.return_to,
            "created_at": now,
        }
        async with self._engine().begin() as conn:
            await conn.execute(
                delete(web_login).where(web_login.c.created_at < now - LOGIN_LIFETIME)
            )
            await conn.execute(insert(web_login).values(row))

    async def finish_login(self, state: str, now: datetime) -> LoginAttempt | None:
        row = await self._take(web_login, web_login.c.state_hash == hash_id(state))
        if row is None or row.created_at < now - LOGIN_LIFETIME:
            return None
        return LoginAttempt(state, row.nonce, row.code_verifier, row.return_to)

    async def create(
        self, user: WebUser, tokens: TokenSet, now: datetime, max_age: timedelta
    ) -> WebSession:
        session_id = random_token(32)
        expires_at = now + min(max_age, timedelta(seconds=tokens.expires_in))
        row = {
            "id_hash": hash_id(session_id),
            "subject": user.subject,
            "web_user": user.as_json(),
            "access_token": tokens.access_token,
            "id_token": tokens.id_token,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": expires_at,
        }
        async with self._engine().begin() as conn:
            await conn.execute(insert(web_session).values(row))
        return WebSession(session_id, user, tokens.access_token, tokens.id_token, now, expires_at)

    async def load(self, session_id: str, now: datetime, idle: timedelta) -> WebSession | None:
        """The live session, its idle clock moved on at most every `TOUCH_EVERY`: a page
        view is one read, not a write (a session may end up to that much early)."""
        key = web_session.c.id_hash == hash_id(session_id)
        alive = (key, web_session.c.last_seen_at > now - idle, web_session.c.expires_at > now)
        async with self._engine().begin() as conn:
            row = (await conn.execute(select(web_session).where(*alive))).first()
            if row is None:  # unknown, idle too long or past its end: gone for good
                await conn.execute(delete(web_session).where(key))
                return None
            if row.last_seen_at <= now - TOUCH_EVERY:
                touch = update(web_session).where(*alive).values(last_seen_at=now)
                await conn.execute(touch)
        return _session(session_id, row._mapping)

    async def delete(self, session_id: str) -> WebSession | None:
        row = await self._take(web_session, web_session.c.id_hash == hash_id(session_id))
        return None if row is None else _session(session_id, row._mapping)

    async def _take(self, table: Table, key: ColumnElement[bool]) -> Row[Any] | None:
        """The row `key` finds, deleted (so only one caller ever gets it)."""
        async with self._engine().begin() as conn:
            return (await conn.execute(delete(table).where(key).returning(*table.c))).first()

    async def purge_expired(self, now: datetime, idle: timedelta) -> int:
        """Delete ended sessions and stale sign-ins (for a periodic job); returns sessions."""
        ended = (web_session.c.expires_at <= now) | (web_session.c.last_seen_at <= now - idle)
        async with self._engine().begin() as conn:
            result = await conn.execute(delete(web_session).where(ended))
            await conn.execute(
                delete(web_login).where(web_login.c.created_at < now - LOGIN_LIFETIME)
            )
        return int(result.rowcount or 0)


def _session(session_id: str, row: RowMapping) -> WebSession:
    return WebSession(
        session_id,
        WebUser.from_json(row["web_user"]),
        row["access_token"],
        row["id_token"],
        row["created_at"],
        row["expires_at"],
    )
