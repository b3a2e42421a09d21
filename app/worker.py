"""The worker (`python -m app worker`): jobs left over by the API (app/jobs/), mail (app/mail/), webhook
deliveries, the Meilisearch relay, the statistics' compaction, and housekeeping.

Every part claims its work from PostgreSQL with leases, so any number of workers may run on any number
of hosts. A failing part is logged and retried after a pause; it never stops the others.
Housekeeping runs at start and then every HOUSEKEEPING_SECONDS: spent idempotency keys (older than their
24 hours), throttle counters whose window and wait are over, and cached search results that expired or
were overtaken by a write are deleted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.indexing import service as indexing
from app.indexing.relay import relay_once, worker_name
from app.jobs import queue as jobs
from app.kit import idempotency, rate_limit
from app.leads.relay import deliver_once
from app.mail.relay import deliver_once as deliver_mail_once
from app.mail.senders import sender_for
from app.stats import repository as stats
from app.workflows import publishing  # noqa: F401 - registers the jobs it queues
from search import cache as search_cache
from search.engine import SearchUnavailable
from search.meili import MeilisearchEngine

log = logging.getLogger(__name__)
HOUSEKEEPING_SECONDS = 600.0
# How often the statistics' deltas are folded into their cells (reads are exact either way; folding keeps
# them fast).
STATS_COMPACT_SECONDS = 5.0
PAUSE_AFTER_FAILURE_SECONDS = 5.0


@dataclass(frozen=True)
class WorkerOptions:
    batch: int = 500
    idle_seconds: float = 1.0
    once: bool = False  # stop when there is nothing left to do


async def housekeeping(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessionmaker() as session, session.begin():
        purged = {
            "idempotency_keys": await idempotency.purge(session),
            "rate_limit_buckets": await rate_limit.purge(session),
            "search_results": await search_cache.purge(session),
        }
    log.info("worker.housekeeping", extra=purged)
    return purged


async def compact_stats(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session, session.begin():
        folded = await stats.compact(session)
    if folded:
        log.info("worker.stats_compacted", extra={"deltas": folded})
    return folded


async def run(
    settings: Settings,
    database_url: str,
    meili: MeilisearchEngine | None,
    options: WorkerOptions,
    stopping: Callable[[], bool],
) -> None:
    engine = make_engine(database_url, pool_size=5)
    sessionmaker = make_sessionmaker(engine)
    name = worker_name()
    log.info("worker.started", extra={"worker": name, "search_relay": meili is not None})
    # No redirects, no proxies from the environment: the relay connects only to addresses it checked.
    client = httpx.AsyncClient(
        follow_redirects=False, trust_env=False, limits=httpx.Limits(max_connections=10)
    )
    smtp_url = settings.smtp_url.get_secret_value() if settings.smtp_url else None
    mail_sender = sender_for(smtp_url, settings.data_dir)
    indexes_ready = False
    next_housekeeping = next_compaction = 0.0
    try:
        while not stopping():
            if time.monotonic() >= next_housekeeping:
                try:
                    await housekeeping(sessionmaker)
                except Exception:
                    log.exception("worker.housekeeping_failed")
                next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
            if time.monotonic() >= next_compaction:
                try:
                    await compact_stats(sessionmaker)
                except Exception:
                    log.exception("worker.stats_compaction_failed")
                next_compaction = time.monotonic() + STATS_COMPACT_SECONDS
            try:
                moved = await jobs.run_due(sessionmaker, jobs.JobContext(meili=meili), worker=name)
            except Exception:
                log.exception("worker.jobs_failed")
                moved = 0
                await asyncio.sleep(PAUSE_AFTER_FAILURE_SECONDS)
            try:
                moved += await deliver_mail_once(
                    sessionmaker, mail_sender, mail_from=settings.mail_from, worker=name
                )
            except Exception:
                log.exception("worker.mail_batch_failed")
                await asyncio.sleep(PAUSE_AFTER_FAILURE_SECONDS)
            try:
                moved += await deliver_once(sessionmaker, client, settings, worker=name, batch=options.batch)
            except Exception:
                # A database hiccup must not stop delivery (or the search relay): log, wait, go on.
                log.exception("worker.webhook_batch_failed")
                await asyncio.sleep(PAUSE_AFTER_FAILURE_SECONDS)
            if meili is not None:
                try:
                    if not indexes_ready:
                        async with sessionmaker() as session:
                            await indexing.ensure_meili_indexes(session, meili)
                        indexes_ready = True
                    moved += await relay_once(sessionmaker, meili, worker=name, batch=options.batch)
                except SearchUnavailable as exc:
                    log.warning("worker.meilisearch_unreachable", extra={"error": str(exc)[:200]})
                    await asyncio.sleep(PAUSE_AFTER_FAILURE_SECONDS)
            if options.once and moved == 0:
                break
            if moved == 0:
                await asyncio.sleep(options.idle_seconds)
    finally:
        await client.aclose()
        await engine.dispose()
        log.info("worker.stopped", extra={"worker": name})
