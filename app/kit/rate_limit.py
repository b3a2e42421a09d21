"""Fixed-window attempt counters in PostgreSQL, shared by every API process.

An attempt is counted *before* the work it guards, atomically (INSERT … ON CONFLICT … RETURNING), so
parallel requests cannot all slip under the limit; the row lock also serialises them per key.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Table, case, delete, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.account import RateLimitBucket
from app.models.base import utcnow


async def hit(session: AsyncSession, *, key: str, window_seconds: int) -> tuple[int, datetime]:
    """Count one attempt for `key` (a new window starts when the old one has ended): (count, window end)."""
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
        .returning(table.c.count, table.c.window_ends_at)
    )
    count, ends_at = (await session.execute(stmt)).one()
    return int(count), ends_at


def retry_after(ends_at: datetime) -> int:
    return max(1, math.ceil((ends_at - utcnow()).total_seconds()))


async def release(session: AsyncSession, *, key: str) -> None:
    """Take back one attempt (it turned out to be a success that should not count against the key)."""
    await session.execute(
        update(RateLimitBucket)
        .where(RateLimitBucket.key == key, RateLimitBucket.count > 0)
        .values(count=RateLimitBucket.count - 1)
    )


async def clear(session: AsyncSession, *, key: str) -> None:
    await session.execute(delete(RateLimitBucket).where(RateLimitBucket.key == key))
