"""Notifications: what the marketplace tells an organization, as a list and as a live stream."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette.sse import EventSourceResponse

from app.deps import CurrentPrincipal, SessionDep, SettingsDep
from app.errors import InvalidInput
from app.kernel import NotificationKind
from app.kit.inputs import InputDatetime
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.models.base import utcnow
from app.notifications import service, stream
from app.notifications.stream import NotificationHub

router = APIRouter(tags=["notifications"])

# A client that stops reading (a phone gone to sleep mid-stream) is dropped after this long.
SEND_TIMEOUT_SECONDS = 30


class NotificationData(BaseModel):
    """The objects a notification is about; which fields are set depends on its `kind`."""

    model_config = ConfigDict(extra="allow")

    demand_id: uuid.UUID | None = None
    quote_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    lead_ids: list[uuid.UUID] | None = Field(
        default=None, description="`lead_created`: the bank's new leads."
    )
    saved_search_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    match_kind: Literal["product", "provider", "financing", "policy"] | None = None
    target_id: str | None = Field(default=None, description="`demand_match`: the matched object's id.")
    score: float | None = None
    status: str | None = Field(default=None, description="`lead_status_changed`: the lead's new status.")
    decision: str | None = Field(default=None, description="`vetting_decision`: approve, reject or suspend.")
    vetting_status: str | None = None
    reason: str | None = Field(default=None, description="`webhook_disabled`: why the endpoint was disabled.")


class NotificationOut(BaseModel):
    id: uuid.UUID
    kind: NotificationKind = Field(description="What it is about (labels: `GET /catalog/labels`).")
    title: str
    body: str
    data: NotificationData
    read_at: datetime | None
    created_at: datetime


class NotificationList(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None


class UnreadCount(BaseModel):
    count: int = Field(description="Unread notifications of the caller's organization.")


class ReadAllResult(BaseModel):
    updated: int = Field(description="How many notifications were marked read.")


@router.get(
    "/notifications",
    response_model=NotificationList,
    operation_id="list_notifications",
    responses=problems(401, 422),
    summary="The caller's organization's notifications, newest first",
)
async def list_notifications(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageParamsDep,
    unread: Annotated[bool, Query(description="Only unread notifications.")] = False,
    since: Annotated[
        InputDatetime | None,
        Query(description="Only notifications created after this RFC 3339 time (with its offset)."),
    ] = None,
) -> FastJSONResponse:
    """Every member of an organization sees its notifications. Pages with `cursor`; `unread=true` and
    `since` narrow the list (a `since` in the future is an empty page, not an error). A phone that has
    the list can then open `/notifications/stream` for what comes next."""
    rows, cursor = await service.page(
        session, principal.organization.id, page, unread_only=unread, since=since
    )
    return FastJSONResponse({"items": [service.view(n) for n in rows], "next_cursor": cursor})


@router.get(
    "/notifications/unread-count",
    response_model=UnreadCount,
    operation_id="count_unread_notifications",
    responses=problems(401),
    summary="How many of the organization's notifications are unread (for a badge)",
)
async def count_unread_notifications(session: SessionDep, principal: CurrentPrincipal) -> FastJSONResponse:
    """The number for the app icon's badge: unread notifications of the caller's organization."""
    return FastJSONResponse({"count": await service.unread_count(session, principal.organization.id)})


@router.post(
    "/notifications/read-all",
    response_model=ReadAllResult,
    operation_id="read_all_notifications",
    responses=problems(401),
    summary="Mark every unread notification of the organization read",
)
async def read_all_notifications(session: SessionDep, principal: CurrentPrincipal) -> FastJSONResponse:
    """Marks all of the organization's unread notifications read at once and says how many there were
    (0 when there were none: calling it twice is harmless)."""
    return FastJSONResponse({"updated": await service.mark_all_read(session, principal.organization.id)})


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationOut,
    operation_id="read_notification",
    responses=problems(401, 404, 422),
    summary="Mark one of the organization's notifications read",
)
async def read_notification(
    notification_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> FastJSONResponse:
    """Marks one notification read (the first read time is kept). Another organization's is a 404."""
    notification = await service.mark_read(session, notification_id, principal.organization.id)
    return FastJSONResponse(service.view(notification))


_STREAM_DOC = (
    "`text/event-stream`: one `event: notification` per new notification, its `id` the notification's "
    "id and its `data` the same JSON as an item of `GET /notifications`; a `: ping` comment at least "
    "every 15 s; a last `event: reauthenticate` when the access token expires."
)


@router.get(
    "/notifications/stream",
    operation_id="stream_notifications",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": _STREAM_DOC,
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **problems(401, 422, 429),
    },
    summary="New notifications, live, as Server-Sent Events",
)
async def stream_notifications(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            max_length=64,
            description="The id of the last event received: the stream first sends what came after it.",
        ),
    ] = None,
) -> EventSourceResponse:
    """Pushes each new notification of the caller's organization within moments of the change that
    caused it, from whichever API process wrote it (PostgreSQL LISTEN/NOTIFY). Reconnect with
    `Last-Event-ID` to receive what was missed. Each account may hold a few streams at once (429 with
    `Retry-After` beyond that); the stream ends when the access token expires."""
    resume: uuid.UUID | None = None
    if last_event_id:
        try:
            resume = uuid.UUID(last_event_id.strip())
        except ValueError as exc:
            raise InvalidInput(
                ["header", "Last-Event-ID"],
                "not an event id: send the id of the last event received, or nothing",
                zh="不是事件 id：请发送收到的最后一个事件的 id，或者不发送",
            ) from exc
    hub: NotificationHub = request.app.state.notification_hub
    # The place first (429 costs no more queries), then the starting point on the request's own session:
    # a stream never holds a second pooled connection while it waits for the first.
    subscription = hub.subscribe(principal.organization.id, principal.user.id)
    try:
        cursor = await stream.start_cursor(session, principal.organization.id, resume)
    except BaseException:
        hub.unsubscribe(subscription)
        raise
    # Streams are recycled (proxies and load balancers drop old connections anyway); the client
    # reconnects with Last-Event-ID and loses nothing.
    ends_at = utcnow() + timedelta(seconds=settings.notification_stream_max_seconds)
    if principal.token_expires_at is not None:
        ends_at = min(ends_at, principal.token_expires_at)
    return stream.StreamResponse(
        hub,
        subscription,
        content=stream.events(
            hub,
            subscription,
            request.app.state.read_sessionmaker,
            cursor,
            session_id=principal.session_id,
            ends_at=ends_at,
            token_expires_at=principal.token_expires_at,
        ),
        ping=settings.notification_heartbeat_seconds,
        send_timeout=SEND_TIMEOUT_SECONDS,
        headers={"Cache-Control": "no-store"},
    )
