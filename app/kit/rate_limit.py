"""Fixed-window failure counters in PostgreSQL, shared by every API process."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import Table, case, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.account import RateLimitBucket
from app.models.base import utcnow


async def seconds_blocked(session: AsyncSession, *, key: str, limit: int) -> int | None:
    """Seconds until `key` may try again, or None if it is under its limit."""
    bucket = await session.scalar(select(RateLimitBucket).where(RateLimitBucket.key == key))
    now = utcnow()
    if bucket is None or bucket.window_ends_at <= now or bucket.count < limit:
        return None
    return max(1, math.ceil((bucket.window_ends_at - now).total_seconds()))


async def record_failure(session: AsyncSession, *, key: str, window_seconds: int) -> int:
    """Count one failure for `key` (a new window starts when the old one has ended)."""
    now = utcnow()
    window_end = now + timedelta(seconds=window_seconds)
    table = RateLimitBucket.__table__
    assert isinstance(table, Table)
    expired = table.c.window_ends_at <= now
    stmt = (
        insert(table)
        .values(key=key, count=1, window_ends_at=window_end)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((expired, 1), else_=table.c.count + 1),
                "window_ends_at": case((expired, window_end), else_=table.c.window_ends_at),
            },
        )
        .returning(table.c.count)
    )
    return int((await session.execute(stmt)).scalar_one())


async def clear(session: AsyncSession, *, key: str) -> None:
    await session.execute(delete(RateLimitBucket).where(RateLimitBucket.key == key))
