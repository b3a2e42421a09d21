"""Which engine answers: Meilisearch when configured and reachable, PostgreSQL otherwise."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput
from app.indexing import service as indexing
from search.engine import InvalidCursor, SearchEngine, SearchQuery, SearchResult, SearchUnavailable
from search.specs import SPECS

log = logging.getLogger(__name__)


async def search(
    session: AsyncSession, meili: SearchEngine | None, index: str, query: SearchQuery
) -> SearchResult:
    """Meilisearch when configured; PostgreSQL when it is not, or while it is unreachable."""
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
