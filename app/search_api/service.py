"""Which engine answers: Meilisearch when configured and reachable, PostgreSQL otherwise."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput
from app.indexing import service as indexing
from search import cache
from search.engine import InvalidCursor, SearchEngine, SearchQuery, SearchResult, SearchUnavailable
from search.specs import SPECS

log = logging.getLogger(__name__)
_cache_seconds = 0.0


def configure_cache(seconds: float) -> None:
    """How long a search result is served from the shared cache (`SEARCH_CACHE_SECONDS`; 0: never)."""
    global _cache_seconds
    _cache_seconds = seconds


def cache_ttl(session: AsyncSession) -> float:
    """Seconds a value computed on `session` may be cached (search/cache.py): 0 unless the cache is on and
    the session is a read request's (autocommit); a transaction that writes may see its own writes."""
    return _cache_seconds if _cache_seconds > 0 and _autocommit(session) else 0.0


def _autocommit(session: AsyncSession) -> bool:
    bind = session.bind
    options = bind.sync_engine.get_execution_options() if bind is not None else {}
    return bool(options.get("isolation_level") == "AUTOCOMMIT")


async def search(
    session: AsyncSession, meili: SearchEngine | None, index: str, query: SearchQuery
) -> SearchResult:
    """Meilisearch when configured; PostgreSQL when it is not, or while it is unreachable.

    Read requests (autocommit sessions) go through the shared cache (search/cache.py); a transaction
    that writes never does, since it may be searching its own uncommitted documents."""
    if ttl := cache_ttl(session):
        engine = "meilisearch" if meili is not None else "postgres"
        key = cache.key_of(index, engine, query)
        return await cache.cached(
            session, index, key, ttl, lambda: _search(session, meili, index, query), engine=engine
        )
    return await _search(session, meili, index, query)


async def _search(
    session: AsyncSession, meili: SearchEngine | None, index: str, query: SearchQuery
) -> SearchResult:
    spec = SPECS[index]
    try:
        if meili is not None:
            try:
                result: SearchResult = await meili.search(spec, query)
                return result
            except SearchUnavailable:
                log.warning("search.meilisearch_unavailable_fallback", extra={"index": index})
        engine = await indexing.postgres_engine(session)
        return await engine.search(spec, query)
    except InvalidCursor as exc:
        raise InvalidInput(["query", "cursor"], str(exc), zh=exc.zh) from exc
