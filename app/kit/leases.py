"""Claiming work from a PostgreSQL table that many workers share: FOR UPDATE SKIP LOCKED, a lease that
runs out if the claimer dies, and exponential backoff with jitter between attempts.

A leased table has the columns `id`, `available_at`, `attempts`, `locked_until`, `locked_by`,
`last_error` and `dead_at` (the search outbox and the jobs table do).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.models.base import utcnow


class Leased(Protocol):
    id: InstrumentedAttribute[int]
    available_at: InstrumentedAttribute[Any]
    attempts: InstrumentedAttribute[int]
    locked_until: InstrumentedAttribute[Any]
    locked_by: InstrumentedAttribute[str | None]
    last_error: InstrumentedAttribute[str | None]
    dead_at: InstrumentedAttribute[Any]


R = TypeVar("R")


def backoff(attempts: int, *, cap_seconds: float = 300.0) -> timedelta:
    """1, 2, 4 … seconds, capped, with jitter so workers do not retry in step."""
    base = min(cap_seconds, 2.0 ** max(0, attempts - 1))
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not security


async def claim(
    session: AsyncSession,
    model: type[R],
    *,
    worker: str,
    limit: int,
    lease: timedelta,
    only_ids: list[int] | None = None,
) -> list[R]:
    """Take up to `limit` ready rows no other worker holds, and lease them (commit at once)."""
    table: Any = model
    now = utcnow()
    ready = (
        select(table.id)
        .where(
            table.dead_at.is_(None),
            table.available_at <= now,
            or_(table.locked_until.is_(None), table.locked_until < now),
        )
        .order_by(table.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if only_ids is not None:
        ready = ready.where(table.id.in_(only_ids))
    stmt = (
        update(table)
        .where(table.id.in_(ready.scalar_subquery()))
        .values(locked_until=now + lease, locked_by=worker, attempts=table.attempts + 1)
        .returning(table)
    )
    return list((await session.scalars(stmt, execution_options={"synchronize_session": False})).all())


async def release_for_retry(
    session: AsyncSession,
    model: type[Any],
    row_id: int,
    *,
    worker: str,
    attempts: int,
    max_attempts: int,
    error: str,
) -> bool:
    """Give a failed row back with backoff, or dead-letter it after `max_attempts`; True if it died."""
    dead = attempts >= max_attempts
    now = utcnow()
    await session.execute(
        update(model)
        .where(model.id == row_id, model.locked_by == worker)
        .values(
            locked_until=None,
            last_error=error[:2000],
            available_at=now + backoff(attempts),
            dead_at=now if dead else None,
        )
    )
    return dead
