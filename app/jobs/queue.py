"""Jobs: written in the transaction whose commit they follow, run once it has committed.

`enqueue` adds a job to the caller's transaction, so a rolled-back request leaves none. The API runs a
request's jobs right after its response (`run_soon`); the worker runs whatever is due (a job whose API
process died, a retry after a failure). Each job runs in its own transaction together with its deletion,
so its effects happen once; a failure is retried with backoff and dead-lettered after MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.kit import leases
from app.models.base import utcnow
from app.models.job import Job
from search.engine import SearchEngine

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=120)
QUEUE = leases.Queue(Job, due=lambda: Job.available_at, still_open=lambda: Job.dead_at.is_(None))


@dataclass(frozen=True)
class JobContext:
    """What a job may use besides its session."""

    meili: SearchEngine | None = None


Handler = Callable[[AsyncSession, dict[str, Any], JobContext], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


async def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any]) -> Job:
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job(kind=kind, payload=payload)
    session.add(job)
    await session.flush()
    return job


async def run_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    context: JobContext,
    *,
    worker: str,
    limit: int = 50,
    only_ids: list[int] | None = None,
) -> int:
    """Claim and run due jobs (or just these); returns how many were claimed."""
    async with sessionmaker() as session, session.begin():
        claimed = await leases.claim(
            session, QUEUE, worker=worker, limit=limit, lease=LEASE, only_ids=only_ids
        )
    for job in claimed:
        await _run_one(sessionmaker, context, job, worker=worker)
    return len(claimed)


async def _run_one(
    sessionmaker: async_sessionmaker[AsyncSession], context: JobContext, job: Job, *, worker: str
) -> None:
    try:
        async with sessionmaker() as session, session.begin():
            await HANDLERS[job.kind](session, job.payload, context)
            await session.execute(delete(Job).where(Job.id == job.id, Job.locked_by == worker))
    except Exception as exc:
        log.exception("jobs.failed", extra={"job_id": job.id, "kind": job.kind, "attempts": job.attempts})
        dead = job.attempts >= MAX_ATTEMPTS
        async with sessionmaker() as session, session.begin():
            await leases.release_for_retry(
                session,
                Job,
                [job.id],
                worker=worker,
                error=f"{type(exc).__name__}: {exc}",
                available_at=utcnow() + leases.backoff(job.attempts),
                dead=dead,
            )
        if dead:
            log.error("jobs.dead", extra={"job_id": job.id, "kind": job.kind})
