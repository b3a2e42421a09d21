"""Attempt counters in PostgreSQL, shared by every API process and host.

Two kinds: `hit` counts an attempt *before* the work it guards, atomically (INSERT … ON CONFLICT …
RETURNING), so parallel requests cannot all slip under a fixed-window limit. `Backoff` counts failures
under row locks taken in key order and, at the limit, makes the key wait, doubling with each further
failure: login throttling, where only failures count and the wait must grow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, case, delete, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import TooManyRequests
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


async def hit_apart(
    sessionmaker: async_sessionmaker[AsyncSession], *, key: str, window_seconds: int
) -> tuple[int, datetime]:
    """`hit` committed on its own, at once, so the counter's row lock is not held while the request's work
    runs (parallel requests from one address would queue behind it): one statement on an autocommit
    session (`sessionmaker` is a read request's), the SQL function `rate_limit_hit` (migration 0012),
    whose commit does not wait for the disk: a counter lost in a crash costs nothing."""
    async with sessionmaker() as session:
        row = (
            await session.execute(
                text("SELECT hits, ends_at FROM rate_limit_hit(:key, :window)"),
                {"key": key, "window": window_seconds},
            )
        ).one()
        await session.commit()  # a no-op on an autocommit session; commits a test's savepoint session
        return int(row.hits), row.ends_at


def refuse_over(count: int, limit: int, ends_at: datetime, *, what: str, what_zh: str) -> None:
    """429 with `Retry-After` when `count` (from `hit`) is over `limit`; `what` names the attempts, e.g.
    "registrations" / "注册"."""
    if count > limit:
        wait = retry_after(ends_at)
        raise TooManyRequests(
            f"Too many {what} from this address; try again in {wait} seconds.",
            zh=f"该地址{what_zh}过于频繁，请 {wait} 秒后再试。",
            retry_after=wait,
        )


def retry_after(ends_at: datetime) -> int:
    return max(1, math.ceil((ends_at - utcnow()).total_seconds()))


@dataclass(frozen=True)
class Limit:
    key: str
    max_failures: int


class Backoff:
    """Failure counters for several keys at once, locked (in key order, so no two requests deadlock)
    until the transaction ends: parallel attempts on one key queue up and each sees the last count."""

    def __init__(self, *, window_seconds: int, base_seconds: int) -> None:
        self.window = timedelta(seconds=window_seconds)
        self.base = base_seconds
        self.buckets: dict[str, RateLimitBucket] = {}
        self.limits: list[Limit] = []

    async def lock(self, session: AsyncSession, limits: list[Limit]) -> None:
        self.limits = limits
        table = RateLimitBucket.__table__
        assert isinstance(table, Table)
        keys = sorted({limit.key for limit in limits})
        now = utcnow()
        await session.execute(
            insert(table)
            .values([{"key": key, "count": 0, "window_ends_at": now + self.window} for key in keys])
            .on_conflict_do_nothing(index_elements=[table.c.key])
        )
        rows = await session.scalars(
            select(RateLimitBucket)
            .where(RateLimitBucket.key.in_(keys))
            .order_by(RateLimitBucket.key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        self.buckets = {row.key: row for row in rows}

    def wait_seconds(self) -> int | None:
        """How long the caller must wait, if any of its keys is backing off."""
        now = utcnow()
        waits = [
            (bucket.blocked_until - now).total_seconds()
            for bucket in self.buckets.values()
            if bucket.blocked_until is not None and bucket.blocked_until > now
        ]
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self) -> None:
        """Count a failure on every key; a key at its limit waits base × 2^(failures beyond), at most
        the window."""
        now = utcnow()
        for limit in self.limits:
            bucket = self.buckets[limit.key]
            if bucket.window_ends_at <= now:
                bucket.count, bucket.window_ends_at = 0, now + self.window
            bucket.count += 1
            if bucket.count >= limit.max_failures:
                beyond = min(bucket.count - limit.max_failures, 20)
                wait = min(self.base * 2**beyond, int(self.window.total_seconds()))
                bucket.blocked_until = now + timedelta(seconds=wait)
                # The failures count as long as the wait lasts.
                bucket.window_ends_at = max(bucket.window_ends_at, bucket.blocked_until)

    def succeeded(self, key: str) -> None:
        bucket = self.buckets[key]
        bucket.count, bucket.blocked_until = 0, None


async def backoff_or_wait(
    session: AsyncSession,
    limits: list[Limit],
    *,
    window_seconds: int,
    base_seconds: int,
    what: str = "failed logins",
    what_zh: str = "登录失败",
) -> Backoff:
    """The locked failure counters for `limits`; 429 with `Retry-After` while any of them backs off.
    The caller counts the attempt's outcome with `failed()` or `succeeded(key)`."""
    throttle = Backoff(window_seconds=window_seconds, base_seconds=base_seconds)
    await throttle.lock(session, limits)
    wait = throttle.wait_seconds()
    if wait is not None:
        raise TooManyRequests(
            f"Too many {what}; try again in {wait} seconds.",
            zh=f"{what_zh}次数过多，请 {wait} 秒后再试。",
            retry_after=wait,
        )
    return throttle


async def purge(session: AsyncSession) -> int:
    """Drop counters whose window and wait are over (the worker runs this on a schedule)."""
    now = utcnow()
    result = await session.execute(
        delete(RateLimitBucket).where(
            RateLimitBucket.window_ends_at < now,
            or_(RateLimitBucket.blocked_until.is_(None), RateLimitBucket.blocked_until < now),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
