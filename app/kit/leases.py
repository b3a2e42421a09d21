"""Claiming work from a PostgreSQL table that many workers share, for the three queues that need it (the
jobs, the search outbox, the webhook deliveries): FOR UPDATE SKIP LOCKED, a lease that runs out if the
claimer dies, and exponential backoff with jitter between attempts.

A leased table has the columns `id`, `attempts`, `locked_until` and `locked_by`, a column saying when a
row is due, and a condition for rows still open (not dead-lettered, still pending); a `Queue` names them.
Tables that dead-letter with `dead_at` and retry at `available_at` (jobs, outbox) also share
`release_for_retry`; webhook deliveries keep the Standard Webhooks schedule of their own relay.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow

R = TypeVar("R")


@dataclass(frozen=True)
class Queue(Generic[R]):
    model: type[R]
    due: Callable[[], Any]  # the column: when a row may be taken
    still_open: Callable[[], ColumnElement[bool]]  # not dead-lettered, still pending …


def backoff(attempts: int, *, cap_seconds: float = 300.0) -> timedelta:
    """1, 2, 4 … seconds, capped, with jitter so workers do not retry in step."""
    base = min(cap_seconds, 2.0 ** max(0, attempts - 1))
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not security


async def claim(
    session: AsyncSession,
    queue: Queue[R],
    *,
    worker: str,
    limit: int,
    lease: timedelta,
    only_ids: Sequence[Any] | None = None,
) -> list[R]:
    """Take up to `limit` due rows no other worker holds, and lease them (the caller commits at once, so no
    lock is held while the work runs). Oldest due first."""
    table: Any = queue.model
    now = utcnow()
    # The rows are picked and locked once, in a CTE (evaluated once, so LIMIT holds), then leased by
    # joining it.
    ready = (
        select(table.id)
        .where(
            queue.still_open(),
            queue.due() <= now,
            or_(table.locked_until.is_(None), table.locked_until < now),
        )
        .order_by(queue.due(), table.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if only_ids is not None:
        ready = ready.where(table.id.in_(list(only_ids)))
    picked = ready.cte("ready")
    stmt = (
        update(table)
        .where(table.id == picked.c.id)
        .values(locked_until=now + lease, locked_by=worker, attempts=table.attempts + 1)
        .returning(table)
    )
    return list((await session.scalars(stmt, execution_options={"synchronize_session": False})).all())


async def release_for_retry(
    session: AsyncSession,
    model: type[Any],
    ids: Sequence[Any],
    *,
    worker: str,
    error: str,
    available_at: datetime,
    dead: bool,
    undo_attempt: bool = False,
) -> None:
    """Give failed rows back (only those our lease still holds) to be retried at `available_at`, or
    dead-letter them; `undo_attempt` gives the attempt back (an outage is not the rows' fault)."""
    await session.execute(
        update(model)
        .where(model.id.in_(list(ids)), model.locked_by == worker)
        .values(
            locked_until=None,
            locked_by=None,
            last_error=error[:2000],
            available_at=available_at,
            dead_at=utcnow() if dead else None,
            attempts=model.attempts - 1 if undo_attempt else model.attempts,
        )
    )
