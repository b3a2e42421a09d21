"""Sending notifications: one row per message to an organization (every member sees it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.kit.pagination import PageParams
from app.kit.responses import dumps
from app.models.base import utcnow
from app.models.matching import Notification
from app.notifications import repository


async def notify(
    session: AsyncSession,
    organization_id: uuid.UUID,
    kind: str,
    title: str,
    body: str,
    data: dict[str, Any],
) -> None:
    """Write a notification; it reaches live streams when the transaction commits (a trigger NOTIFYs)."""
    session.add(
        Notification(
            organization_id=organization_id,
            kind=kind,
            title=title if len(title) <= 200 else title[:199] + "…",
            body=body,
            data=data,
            created_at=utcnow(),
        )
    )


def view(n: Notification) -> dict[str, Any]:
    """A notification as the API shows it, in the list and in the stream alike."""
    return {
        "id": n.id,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "data": n.data,
        "read_at": n.read_at,
        "created_at": n.created_at,
    }


def view_json(n: Notification) -> str:
    return dumps(view(n)).decode()


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    params: PageParams,
    *,
    unread_only: bool,
    since: datetime | None = None,
) -> tuple[list[Notification], str | None]:
    """The organization's notifications, newest first; only unread ones, or only those after `since`."""
    return await repository.page(session, organization_id, params, unread_only=unread_only, since=since)


async def unread_count(session: AsyncSession, organization_id: uuid.UUID) -> int:
    """How many of the organization's notifications no member has marked read."""
    return await repository.unread_count(session, organization_id)


async def mark_read(
    session: AsyncSession, notification_id: uuid.UUID, organization_id: uuid.UUID
) -> Notification:
    """The organization's own notification, marked read (404 for anyone else's)."""
    notification = await repository.mark_read(session, notification_id, organization_id, now=utcnow())
    if notification is None:
        raise NotFound("No such notification.", zh="没有这条通知。")
    return notification


async def mark_all_read(session: AsyncSession, organization_id: uuid.UUID) -> int:
    """Mark every unread notification of the organization read; how many were."""
    return await repository.mark_all_read(session, organization_id, now=utcnow())


async def created_at_of(
    session: AsyncSession, organization_id: uuid.UUID, notification_id: uuid.UUID
) -> datetime | None:
    """When the organization's notification was created (None for another's or an unknown id): where a
    stream resumes after `Last-Event-ID`."""
    return await repository.created_at_of(session, organization_id, notification_id)


async def ids_between(
    session: AsyncSession, organization_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[uuid.UUID, datetime]]:
    """The organization's notifications created in [start, end]: those a stream counts as already sent."""
    return await repository.ids_between(session, organization_id, start, end)


async def created_since(
    session: AsyncSession,
    organization_id: uuid.UUID,
    since: datetime,
    *,
    exclude: Sequence[uuid.UUID],
    limit: int,
) -> list[Notification]:
    """The organization's notifications after `since` but for those in `exclude`, oldest first."""
    return await repository.created_since(session, organization_id, since, exclude=exclude, limit=limit)
