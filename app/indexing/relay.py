"""The outbox relay behind `python -m app worker`: PostgreSQL → Meilisearch, at least once, nothing lost.

Claim with FOR UPDATE SKIP LOCKED and a lease, committed at once (no lock is held during HTTP); re-read
each document's current state from the PostgreSQL index, so the latest write wins however many changes
queued up; send; then delete the rows. A failure releases them with exponential backoff, and after
MAX_ATTEMPTS they are dead-lettered (kept, with the error, for an operator). A relay killed mid-batch
leaves its rows leased; when the lease runs out, another relay takes them.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import uuid
from collections import defaultdict
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.indexing import repository
from app.indexing import service as indexing
from app.models.base import utcnow
from search.meili import MeilisearchEngine

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … seconds, capped at 5 minutes, with jitter so relays do not retry in step."""
    base = min(300.0, 2.0 ** max(0, attempts - 1))
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not security


async def relay_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    meili: MeilisearchEngine,
    *,
    worker: str,
    batch: int = 500,
    lease: timedelta = LEASE,
) -> int:
    """Move one batch; returns how many outbox rows it took (0: nothing to do)."""
    async with sessionmaker() as session, session.begin():
        rows = await repository.claim(session, worker=worker, limit=batch, lease=lease)
    if not rows:
        return 0
    ids_by_index: dict[str, set[uuid.UUID]] = defaultdict(set)
    for row in rows:
        ids_by_index[row.index_name].add(row.doc_id)
    row_ids = [row.id for row in rows]
    try:
        for index, ids in ids_by_index.items():
            async with sessionmaker() as session:
                engine = await indexing.postgres_engine(session)
                current = await engine.get(index, sorted(ids))
            await meili.upsert(meili.uid(index), list(current.values()))
            await meili.delete(meili.uid(index), [str(i) for i in ids if i not in current])
    except Exception as exc:  # any failure: retry later, never lose the rows
        attempts = max(row.attempts for row in rows)
        dead = attempts >= MAX_ATTEMPTS
        async with sessionmaker() as session, session.begin():
            await repository.release_for_retry(
                session,
                row_ids,
                worker=worker,
                error=repr(exc),
                available_at=utcnow() + backoff(attempts),
                dead=dead,
            )
        log.warning(
            "relay.batch_failed",
            extra={"rows": len(rows), "attempts": attempts, "dead": dead, "error": repr(exc)[:300]},
        )
        return len(rows)
    async with sessionmaker() as session, session.begin():
        done = await repository.acknowledge(session, row_ids, worker=worker)
    log.info(
        "relay.batch_sent", extra={"rows": len(rows), "acknowledged": done, "indexes": sorted(ids_by_index)}
    )
    return len(rows)
