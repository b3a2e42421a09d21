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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.indexing import service as indexing
from app.indexing.relay import relay_once, worker_name
from app.jobs import queue as jobs
from app.kit import idempotency, rate_limit
from app.leads.relay import deliver_once
from app.mail import repository as mail_repository
from app.mail.relay import deliver_once as deliver_mail_once
from app.mail.senders import sender_for
from app.sms.relay import deliver_once as deliver_texts_once
from app.sms.senders import sms_sender_for
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
            "sent_messages": await mail_repository.purge_sent(session),
        }
    log.info("worker.housekeeping", extra=purged)
    return purged


async def compact_stats(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session, session.begin():
        folded = await stats.compact(session)
    if folded:
        log.info("worker.stats_compacted", extra={"deltas": folded})
    return folded


async def _guarded(event: str, work: Callable[[], Awaitable[Any]], *, pause: bool = True) -> int:
    """Run one part of the loop; a failure is logged (and, for the parts that move work, followed by a
    pause) and counts as nothing moved, so one failing part never stops the others."""
    try:
        done = await work()
    except SearchUnavailable as exc:
        log.warning("worker.meilisearch_unreachable", extra={"error": str(exc)[:200]})
    except Exception:
        log.exception(event)
    else:
        return done if isinstance(done, int) else 0
    if pause:
        await asyncio.sleep(PAUSE_AFTER_FAILURE_SECONDS)
    return 0


async def _relay_search(
    sessionmaker: async_sessionmaker[AsyncSession],
    meili: MeilisearchEngine,
    state: dict[str, bool],
    *,
    worker: str,
    batch: int,
) -> int:
    """The Meilisearch relay, after making sure the indexes exist with their settings (once per worker)."""
    if not state["indexes_ready"]:
        async with sessionmaker() as session:
            await indexing.ensure_meili_indexes(session, meili)
        state["indexes_ready"] = True
    return await relay_once(sessionmaker, meili, worker=worker, batch=batch)


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
    sms_sender = sms_sender_for(
        settings.sms_url.get_secret_value() if settings.sms_url else None, settings.data_dir
    )
    search_state = {"indexes_ready": False}
    next_housekeeping = next_compaction = 0.0
    try:
        while not stopping():
            if time.monotonic() >= next_housekeeping:
                await _guarded("worker.housekeeping_failed", lambda: housekeeping(sessionmaker), pause=False)
                next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
            if time.monotonic() >= next_compaction:
                await _guarded(
                    "worker.stats_compaction_failed", lambda: compact_stats(sessionmaker), pause=False
                )
                next_compaction = time.monotonic() + STATS_COMPACT_SECONDS
            moved = await _guarded(
                "worker.jobs_failed",
                lambda: jobs.run_due(sessionmaker, jobs.JobContext(meili=meili), worker=name),
            )
            moved += await _guarded(
                "worker.mail_batch_failed",
                lambda: deliver_mail_once(
                    sessionmaker, mail_sender, mail_from=settings.mail_from, worker=name
                ),
            )
            moved += await _guarded(
                "worker.sms_batch_failed", lambda: deliver_texts_once(sessionmaker, sms_sender, worker=name)
            )
            # A database hiccup must not stop delivery (or the search relay): log, wait, go on.
            moved += await _guarded(
                "worker.webhook_batch_failed",
                lambda: deliver_once(sessionmaker, client, settings, worker=name, batch=options.batch),
            )
            if meili is not None:
                moved += await _guarded(
                    "worker.search_relay_failed",
                    lambda: _relay_search(
                        sessionmaker, meili, search_state, worker=name, batch=options.batch
                    ),
                )
            if options.once and moved == 0:
                break
            if moved == 0:
                await asyncio.sleep(options.idle_seconds)
    finally:
        await client.aclose()
        await engine.dispose()
        log.info("worker.stopped", extra={"worker": name})
