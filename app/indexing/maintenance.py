"""`reindex` and `search-check`: rebuild an index behind an atomic swap, and find and repair drift."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.indexing import repository
from app.indexing import service as indexing
from app.models.base import utcnow
from search.meili import MeilisearchEngine
from search.specs import SPECS
from seed.progress import Progress

log = logging.getLogger(__name__)


@dataclass
class Drift:
    index: str
    expected: int
    indexed: int
    missing: int
    stale: int
    extra: int


async def reindex(
    sessionmaker: async_sessionmaker[AsyncSession], meili: MeilisearchEngine | None, index: str
) -> dict[str, float]:
    """Rebuild `index` in PostgreSQL (one transaction: readers see the old one until commit), then, with
    Meilisearch, into a fresh index that is swapped in atomically, replaying writes made meanwhile."""
    started_wall = time.time()
    started = time.monotonic()
    async with sessionmaker() as session, session.begin():
        progress = Progress(f"postgres:{index}", 1)

        def report(done: int, total: int) -> None:
            progress.total = max(total, 1)
            progress.done = 0
            progress.advance(done)

        written = await indexing.rebuild_postgres(session, index, progress=report)
        progress.finish()
    figures = {"documents": float(written), "postgres_seconds": round(time.monotonic() - started, 2)}
    if meili is None:
        return figures
    meili_started = time.monotonic()
    copy_started = utcnow()  # after the PostgreSQL rebuild: writes from here on are replayed below
    fresh = f"{meili.uid(index)}__reindex_{int(started_wall)}"
    async with sessionmaker() as session:
        words, synonyms = await indexing.dictionary(session)
        await meili.ensure_index(SPECS[index], dictionary=words, synonyms=synonyms, uid=fresh)
        rows = await (await indexing.postgres_engine(session)).documents(index)
    progress = Progress(f"meilisearch:{index}", len(rows))
    for start in range(0, len(rows), 1000):
        await meili.upsert(fresh, list(rows[start : start + 1000]))
        progress.advance(len(rows[start : start + 1000]))
    progress.finish()
    await meili.swap_in(meili.uid(index), fresh)
    # Writes that landed while we copied went to the old index (or are still queued): send them again,
    # and drop what was deleted meanwhile, so nothing deleted comes back with the swap.
    async with sessionmaker() as session:
        engine = await indexing.postgres_engine(session)
        replay = await engine.documents(index, changed_since=copy_started)
        current = set((await engine.versions(index)).keys())
    await meili.upsert(meili.uid(index), list(replay))
    gone = sorted(set(await meili.versions(meili.uid(index))) - current)
    await meili.delete(meili.uid(index), gone)
    figures.update(
        {
            "meilisearch_seconds": round(time.monotonic() - meili_started, 2),
            "replayed": len(replay),
            "removed": len(gone),
        }
    )
    return figures


async def check(
    sessionmaker: async_sessionmaker[AsyncSession],
    meili: MeilisearchEngine | None,
    index: str,
    *,
    repair: bool,
) -> list[Drift]:
    """Compare the data, the PostgreSQL index and (if configured) Meilisearch; repair drift when asked."""
    drifts: list[Drift] = []
    async with sessionmaker() as session, session.begin():
        engine = await indexing.postgres_engine(session)
        ids = await repository.all_ids(session, index)
        expected: dict[str, int] = {}
        for start in range(0, len(ids), 1000):
            current = await indexing.documents_for(session, index, ids[start : start + 1000])
            expected.update({str(i): int(doc["version"]) for i, doc in current.items() if doc is not None})
        indexed = await engine.versions(index)
        drifts.append(_compare(f"postgres:{index}", expected, indexed))
        if repair and (set(expected) ^ set(indexed) or any(indexed.get(k) != v for k, v in expected.items())):
            await indexing.sync(session, index, [uuid.UUID(i) for i in set(expected) | set(indexed)])
            indexed = await engine.versions(index)
    if meili is not None:
        remote = await meili.versions(meili.uid(index))
        drifts.append(_compare(f"meilisearch:{index}", indexed, remote))
        stale = [i for i in set(indexed) | set(remote) if indexed.get(i) != remote.get(i)]
        if repair and stale:
            async with sessionmaker() as session, session.begin():
                await repository.enqueue(session, [(index, uuid.UUID(i)) for i in stale])
    return drifts


def _compare(name: str, expected: dict[str, int], indexed: dict[str, int]) -> Drift:
    missing = len(set(expected) - set(indexed))
    extra = len(set(indexed) - set(expected))
    stale = sum(1 for k, v in expected.items() if k in indexed and indexed[k] != v)
    return Drift(
        index=name, expected=len(expected), indexed=len(indexed), missing=missing, stale=stale, extra=extra
    )
