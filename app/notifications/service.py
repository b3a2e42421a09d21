"""Sending notifications: one row per message to an organization (every member sees it)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.kit.pagination import PageParams, keyset_page
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


async def page(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams, *, unread_only: bool
) -> tuple[list[Notification], str | None]:
    stmt = select(Notification).where(Notification.organization_id == organization_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
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
        .values(read_at=utcnow())
        .returning(Notification)
        .execution_options(populate_existing=True)
    )
    if notification is None:
        raise NotFound("No such notification.")
    return notification
