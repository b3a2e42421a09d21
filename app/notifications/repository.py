"""Queries for notifications."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.matching import Notification


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    params: PageParams,
    *,
    unread_only: bool,
    since: datetime | None,
) -> tuple[list[Notification], str | None]:
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
    session: AsyncSession, notification_id: uuid.UUID, organization_id: uuid.UUID, *, now: datetime
) -> Notification | None:
    """The organization's notification, read at `now` unless it was read before; None for another's."""
    return await session.scalar(
        update(Notification)
        .where(Notification.id == notification_id, Notification.organization_id == organization_id)
        .values(read_at=func.coalesce(Notification.read_at, now))
        .returning(Notification)
        .execution_options(populate_existing=True)
    )


async def mark_all_read(session: AsyncSession, organization_id: uuid.UUID, *, now: datetime) -> int:
    result = await session.execute(
        update(Notification)
        .where(Notification.organization_id == organization_id, Notification.read_at.is_(None))
        .values(read_at=now)
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
