"""The outbox relay behind `python -m app worker`: PostgreSQL → Meilisearch, at least once, nothing lost.

Claim with FOR UPDATE SKIP LOCKED and a lease (app/kit/leases.py), committed at once (no lock is held
during HTTP); re-read each document's current state from the PostgreSQL index, so the latest write wins
however many changes queued up; send; then delete the rows. A failure releases them with exponential
backoff, and after MAX_ATTEMPTS they are dead-lettered (kept, with the error, for an operator). A relay
killed mid-batch leaves its rows leased; when the lease runs out, another relay takes them."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.indexing import repository
from app.indexing import service as indexing
from app.kit.leases import backoff
from app.models.base import utcnow
from app.models.outbox import SearchOutbox
from search import cache
from search.engine import SearchUnavailable
from search.meili import MeilisearchEngine

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)


async def _current_version(session: AsyncSession, index: str, doc_id: uuid.UUID) -> int | None:
    engine = await indexing.postgres_engine(session)
    current = await engine.get(index, [doc_id])
    return int(current[doc_id]["version"]) if doc_id in current else None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


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
    try:
        sent = await _send(sessionmaker, meili, ids_by_index)
    except Exception as exc:  # any failure: retry later, never lose the rows
        await _release(sessionmaker, rows, exc, worker=worker)
        return len(rows)
    async with sessionmaker() as session, session.begin():
        done = await repository.acknowledge(session, [row.id for row in rows], worker=worker)
        # Another relay may have sent a newer version while we were sending an older one: if what we sent
        # is no longer current, queue the document again so the newest state is sent last.
        stale = [
            (index, doc_id)
            for (index, doc_id), version in sent.items()
            if version != await _current_version(session, index, doc_id)
        ]
        if stale:
            await repository.enqueue(session, stale)
        # Cached results from Meilisearch predate what it now holds (search/cache.py).
        await cache.bump(session, set(ids_by_index))
    log.info(
        "relay.batch_sent",
        extra={
            "rows": len(rows),
            "acknowledged": done,
            "requeued": len(stale),
            "indexes": sorted(ids_by_index),
        },
    )
    return len(rows)


async def _send(
    sessionmaker: async_sessionmaker[AsyncSession],
    meili: MeilisearchEngine,
    ids_by_index: dict[str, set[uuid.UUID]],
) -> dict[tuple[str, uuid.UUID], int | None]:
    """Each document's current state from the PostgreSQL index (or its deletion) to Meilisearch; returns
    the version sent of each (None: deleted)."""
    sent: dict[tuple[str, uuid.UUID], int | None] = {}
    for index, ids in ids_by_index.items():
        async with sessionmaker() as session:
            engine = await indexing.postgres_engine(session)
            current = await engine.get(index, sorted(ids))
        await meili.upsert(meili.uid(index), list(current.values()))
        await meili.delete(meili.uid(index), [str(i) for i in ids if i not in current])
        sent.update({(index, i): (int(current[i]["version"]) if i in current else None) for i in ids})
    return sent


async def _release(
    sessionmaker: async_sessionmaker[AsyncSession],
    rows: Sequence[SearchOutbox],
    exc: Exception,
    *,
    worker: str,
) -> None:
    """Back to the queue with backoff. An outage is not the batch's fault: it does not use up attempts, so
    a long outage never dead-letters the backlog; it waits (at most 30 s between tries) and drains when
    search returns."""
    unreachable = isinstance(exc, SearchUnavailable)
    attempts = max(row.attempts for row in rows)
    dead = not unreachable and attempts >= MAX_ATTEMPTS
    delay = min(backoff(attempts), timedelta(seconds=30)) if unreachable else backoff(attempts)
    async with sessionmaker() as session, session.begin():
        await repository.release_for_retry(
            session,
            [row.id for row in rows],
            worker=worker,
            error=repr(exc),
            available_at=utcnow() + delay,
            dead=dead,
            undo_attempt=unreachable,
        )
    log.warning(
        "relay.batch_failed",
        extra={
            "rows": len(rows),
            "attempts": attempts,
            "dead": dead,
            "unreachable": unreachable,
            "error": repr(exc)[:300],
        },
    )
