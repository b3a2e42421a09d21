"""The live notification stream: PostgreSQL LISTEN/NOTIFY wakes Server-Sent Event streams.

One `NotificationHub` per API process holds one dedicated connection that LISTENs on
`app_notifications`; a trigger NOTIFYs the organization's id when a notification row commits (migration
0008), in whichever process wrote it. The hub only *wakes* the streams of that organization: each stream
then reads what is new from the database itself, so a NOTIFY lost while the listener reconnects costs
nothing but a little delay (a woken stream, and a periodic safety poll, always catch up), several API
processes need nothing between them, and the order and content of events are the database's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sse_starlette.sse import EventSourceResponse, SendTimeoutError
from starlette.types import Receive, Scope, Send

from app.auth import principal as auth
from app.errors import TooManyRequests
from app.models.base import utcnow
from app.models.matching import Notification
from app.notifications import service

log = logging.getLogger(__name__)

CHANNEL = "app_notifications"
# A notification's created_at is taken before its transaction commits, so a stream reads back this far
# behind the newest one it sent and skips the ids it already sent: a slow commit still gets through.
LOOKBACK = timedelta(seconds=30)
# How often a stream looks for news without being woken (a lost NOTIFY, a listener reconnecting).
SAFETY_POLL_SECONDS = 10.0
# How long the listener waits for a NOTIFY before it checks its connection is alive.
LISTENER_CHECK_SECONDS = 30.0
# A resumed stream sends again what came this shortly before the event it resumes from: a notification
# created just before it but committed just after would otherwise be skipped. Ids are stable, so a
# client drops what it already has (at-least-once delivery).
RESEND = timedelta(seconds=5)
BATCH = 100


@dataclass(eq=False)
class _Subscription:
    organization_id: uuid.UUID
    user_id: uuid.UUID
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False


class NotificationHub:
    """This process's listener and its streams, by organization; also caps streams per user."""

    def __init__(self, *, max_streams_per_user: int) -> None:
        self._conninfo: str | None = None
        self._max_per_user = max_streams_per_user
        self._by_organization: dict[uuid.UUID, set[_Subscription]] = defaultdict(set)
        self._per_user: dict[uuid.UUID, int] = defaultdict(int)
        self._listener: asyncio.Task[None] | None = None
        self._closed = False

    def listen_to(self, database_url: str) -> None:
        """Use this database's LISTEN/NOTIFY; without it streams only poll (tests on one transaction)."""
        self._conninfo = _conninfo(database_url)

    def subscribe(self, organization_id: uuid.UUID, user_id: uuid.UUID) -> _Subscription:
        """Register a stream; 429 when the user already holds the most this process allows."""
        if self._per_user[user_id] >= self._max_per_user:
            raise TooManyRequests(
                f"This account already has {self._max_per_user} open notification streams; "
                "close one (one stream per device is enough) or wait for one to end.",
                zh=f"该账号已打开 {self._max_per_user} 个通知推送连接；"
                "请关闭其中一个（每台设备一个即可）或稍后再试。",
                retry_after=15,
            )
        self._per_user[user_id] += 1
        subscription = _Subscription(organization_id, user_id)
        self._by_organization[organization_id].add(subscription)
        self._ensure_listener()
        return subscription

    def unsubscribe(self, subscription: _Subscription) -> None:
        """Release a stream's place (idempotent: the stream and its response both call it)."""
        if subscription.closed:
            return
        subscription.closed = True
        streams = self._by_organization.get(subscription.organization_id)
        if streams is not None:
            streams.discard(subscription)
            if not streams:
                del self._by_organization[subscription.organization_id]
        self._per_user[subscription.user_id] -= 1
        if self._per_user[subscription.user_id] <= 0:
            del self._per_user[subscription.user_id]

    def wake(self, organization_id: uuid.UUID) -> None:
        for subscription in self._by_organization.get(organization_id, ()):
            subscription.wake.set()

    def _wake_all(self) -> None:
        for streams in self._by_organization.values():
            for subscription in streams:
                subscription.wake.set()

    def _ensure_listener(self) -> None:
        if self._closed or self._conninfo is None:
            return
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen(self._conninfo), name="notification-hub")

    async def _listen(self, conninfo: str) -> None:
        delay = 0.5
        while self._by_organization and not self._closed:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    delay = 0.5
                    # Anything committed while the listener was away: every stream looks again.
                    self._wake_all()
                    while self._by_organization and not self._closed:
                        async for notify in conn.notifies(timeout=LISTENER_CHECK_SECONDS):
                            with contextlib.suppress(ValueError):
                                self.wake(uuid.UUID(notify.payload))
                        # A quiet spell: prove the connection is alive (a dropped one raises here;
                        # TCP keepalives in the conninfo catch one that vanished without a reset).
                        await conn.execute("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the listener must outlive any failure
                log.warning("notifications.listener_lost", extra={"error": str(exc), "retry_in_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def close(self) -> None:
        self._closed = True
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None


def _conninfo(database_url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (postgresql+psycopg://… → postgresql://…), with TCP
    keepalives, so a listener whose connection vanished without a reset finds out in about a minute."""
    url = make_url(database_url).set(drivername="postgresql")
    keepalives = {
        "keepalives": "1",
        "keepalives_idle": "30",
        "keepalives_interval": "10",
        "keepalives_count": "3",
    }
    url = url.update_query_dict({k: v for k, v in keepalives.items() if k not in url.query})
    return url.render_as_string(hide_password=False)


@dataclass
class StreamCursor:
    """Where a stream stands: the newest notification sent, and the ids sent within the look-back."""

    newest: datetime
    sent: dict[uuid.UUID, datetime] = field(default_factory=dict)

    def mark(self, notification_id: uuid.UUID, created_at: datetime) -> None:
        self.sent[notification_id] = created_at
        self.newest = max(self.newest, created_at)
        horizon = self.newest - LOOKBACK
        if len(self.sent) > 256:
            self.sent = {k: v for k, v in self.sent.items() if v >= horizon}


async def start_cursor(
    session: AsyncSession, organization_id: uuid.UUID, last_event_id: uuid.UUID | None
) -> StreamCursor:
    """Resume after `Last-Event-ID` when it is one of the organization's notifications (the few seconds
    before it are sent again, see RESEND); else start now: what exists was in the list the client read,
    and a client that read it should resume from its newest id to miss nothing committed in between."""
    anchor = None
    if last_event_id is not None:
        anchor = await service.created_at_of(session, organization_id, last_event_id)
    if anchor is not None:
        assert last_event_id is not None
        cursor = StreamCursor(newest=anchor)
        cursor.sent[last_event_id] = anchor
        window = (anchor - LOOKBACK, anchor - RESEND)
    else:
        # Not a resume: what exists now was delivered by the list; only what comes next is streamed.
        cursor = StreamCursor(newest=utcnow())
        window = (cursor.newest - LOOKBACK, cursor.newest + LOOKBACK)
    for seen_id, created_at in await service.ids_between(session, organization_id, *window):
        cursor.sent[seen_id] = created_at
    return cursor


async def events(
    hub: NotificationHub,
    subscription: _Subscription,
    sessionmaker: async_sessionmaker[AsyncSession],
    cursor: StreamCursor,
    *,
    session_id: uuid.UUID,
    ends_at: datetime,
    token_expires_at: datetime | None,
) -> AsyncIterator[dict[str, str]]:
    """SSE events, one per new notification of the organization, until `ends_at` (at the latest when
    the caller's token expires) or until its login session ends (logout, a removed member): then a last
    `reauthenticate` event says why."""
    failures = 0
    try:
        while True:
            subscription.wake.clear()
            try:
                live, fresh = await _read_news(sessionmaker, subscription, cursor, session_id=session_id)
                failures = 0
            except (DBAPIError, OSError) as exc:
                failures += 1
                if not await _back_off(exc, failures, ends_at=ends_at):
                    return
                continue
            if not live:
                yield _reauthenticate()
                return
            for notification in fresh:
                cursor.mark(notification.id, notification.created_at)
                yield {
                    "event": "notification",
                    "id": str(notification.id),
                    "data": service.view_json(notification),
                }
            if len(fresh) == BATCH:
                continue  # a backlog (a resume after a long time away): keep sending
            remaining = (ends_at - utcnow()).total_seconds()
            if remaining <= 0:
                if token_expires_at is not None and token_expires_at <= utcnow():
                    # The client reconnects with a fresh token and Last-Event-ID.
                    yield _reauthenticate()
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(subscription.wake.wait(), timeout=min(SAFETY_POLL_SECONDS, remaining))
    finally:
        hub.unsubscribe(subscription)


def _reauthenticate() -> dict[str, str]:
    return {"event": "reauthenticate", "data": "{}"}


async def _read_news(
    sessionmaker: async_sessionmaker[AsyncSession],
    subscription: _Subscription,
    cursor: StreamCursor,
    *,
    session_id: uuid.UUID,
) -> tuple[bool, list[Notification]]:
    """Whether the login session is still live and, if so, what is new past the cursor. Each look uses
    its own short session, so an idle stream holds no database connection."""
    async with sessionmaker() as session:
        if not await auth.login_session_live(session, user_id=subscription.user_id, session_id=session_id):
            return False, []
        fresh = await service.created_since(
            session,
            subscription.organization_id,
            cursor.newest - LOOKBACK,
            exclude=list(cursor.sent),
            limit=BATCH,
        )
    return True, fresh


async def _back_off(exc: Exception, failures: int, *, ends_at: datetime) -> bool:
    """After a failed read, wait and say whether to look again. A database blip must not end every stream
    at once; a stream past its end simply stops."""
    log.warning("notifications.stream_read_failed", extra={"error": str(exc), "failures": failures})
    if utcnow() >= ends_at:
        return False
    await asyncio.sleep(min(2.0**failures, SAFETY_POLL_SECONDS))
    return True


class StreamResponse(EventSourceResponse):
    """An SSE response that gives its stream's place back however it ends, even if never iterated."""

    def __init__(self, hub: NotificationHub, subscription: _Subscription, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._hub = hub
        self._subscription = subscription

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except SendTimeoutError:
            # A client that stopped reading (a phone gone to sleep): drop it, it is no server error.
            log.info("notifications.stream_dropped", extra={"reason": "send_timeout"})
        finally:
            self._hub.unsubscribe(self._subscription)
