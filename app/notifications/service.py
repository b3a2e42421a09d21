"""Sending notifications: one row per message to an organization (every member sees it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.kit.pagination import PageParams, keyset_page
from app.kit.responses import dumps
from app.models.base import utcnow
from app.models.matching import Notification


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
    stmt = select(Notification).where(Notification.organization_id == organization_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if since is not None:
        stmt = stmt.where(Notification.created_at > since)
    return await keyset_page(session, stmt, keys=[Notification.created_at, Notification.id], params=params)


async def unread_count(session: AsyncSession, organization_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.organization_id == organization_id, Notification.read_at.is_(None))
    )
    return int(count or 0)


async def mark_read(
    session: AsyncSession, notification_id: uuid.UUID, organization_id: uuid.UUID
) -> Notification:
    """The organization's own notification, marked read (404 for anyone else's)."""
    notification = await session.scalar(
        update(Notification)
        .where(Notification.id == notification_id, Notification.organization_id == organization_id)
        .values(read_at=func.coalesce(Notification.read_at, utcnow()))
        .returning(Notification)
        .execution_options(populate_existing=True)
    )
    if notification is None:
        raise NotFound("No such notification.", zh="没有这条通知。")
    return notification


async def mark_all_read(session: AsyncSession, organization_id: uuid.UUID) -> int:
    """Mark every unread notification of the organization read; how many were."""
    result = await session.execute(
        update(Notification)
        .where(Notification.organization_id == organization_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .returning(Notification.id)
    )
    return len(result.all())


async def created_at_of(
    session: AsyncSession, organization_id: uuid.UUID, notification_id: uuid.UUID
) -> datetime | None:
    """When the organization's notification was created (None for another's or an unknown id)."""
    return await session.scalar(
        select(Notification.created_at).where(
            Notification.id == notification_id, Notification.organization_id == organization_id
        )
    )


async def ids_between(
    session: AsyncSession, organization_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[uuid.UUID, datetime]]:
    rows = await session.execute(
        select(Notification.id, Notification.created_at).where(
            Notification.organization_id == organization_id,
            Notification.created_at >= start,
            Notification.created_at <= end,
        )
    )
    return [(row.id, row.created_at) for row in rows]


async def created_since(
    session: AsyncSession,
    organization_id: uuid.UUID,
    since: datetime,
    *,
    exclude: Sequence[uuid.UUID],
    limit: int,
) -> list[Notification]:
    """The organization's notifications after `since` but for those in `exclude`, oldest first."""
    stmt = (
        select(Notification)
        .where(Notification.organization_id == organization_id, Notification.created_at > since)
        .order_by(Notification.created_at, Notification.id)
        .limit(limit)
    )
    if exclude:
        stmt = stmt.where(Notification.id.not_in(exclude))
    return list(await session.scalars(stmt))
