"""Search results kept in PostgreSQL, shared by every API process and host, and never stale past a write.

Each index has a generation (`search_generations`). A deferred trigger on `search_documents` raises it
once per index in every transaction that writes that index, at commit; the Meilisearch relay raises it
after Meilisearch took a batch. An entry (`search_results_cache`, UNLOGGED: a cache needs no crash
safety) is filed under the generation that was current *before* its result was computed, and a lookup
only accepts the current one. A write committed while a result was being computed therefore leaves that
result under the old generation, which no later lookup accepts: readers see a write as soon as it commits.
Entries also expire after `ttl` seconds, and the worker purges spent ones.

One statement reads the generation and the entry together; the entry is the engine's whole result
(hits, facets, total, cursor), encoded by orjson. Each process also keeps the entries it used lately,
decoded, under the generation they were filed with (at most LOCAL_BYTES, 64 MB, of encoded size): when the
shared entry is still live under that same generation, the lookup does not send its bytes and the local
copy serves. Validity is always PostgreSQL's answer, so every process and host agrees; values handed out
are shared, and callers never mutate them.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import BigInteger, Column, DateTime, LargeBinary, String, Table, text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from search.engine import SearchQuery, SearchResult, TermMatching
from search.postgres import metadata

T = TypeVar("T")
log = logging.getLogger(__name__)

generations = Table(
    "search_generations",
    metadata,
    Column("index_name", String(40), primary_key=True),
    Column("generation", BigInteger, nullable=False, server_default="0"),
)

entries = Table(
    "search_results_cache",
    metadata,
    Column("key", LargeBinary, primary_key=True),
    Column("index_name", String(40), nullable=False),  # what the entry is: an index, or matches:<kind>
    Column("generation", BigInteger, nullable=False),
    Column("result", LargeBinary, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # The generations the result depends on; `generation` is their sum when it was computed.
    Column("depends_on", ARRAY(String(40)), nullable=False),
    prefixes=["UNLOGGED"],
)

# Generations only ever grow, so their sum is unchanged exactly when none of them moved. The bytes come
# only when this process does not hold the entry under the current generation (`mine`) already.
_LOOKUP = text("""
    WITH g AS (
        SELECT coalesce(sum(generation), 0)::bigint AS generation
        FROM search_generations WHERE index_name = ANY(CAST(:names AS text[]))
    )
    SELECT g.generation, c.key IS NOT NULL AS live,
           CASE WHEN g.generation = :mine THEN NULL ELSE c.result END AS result
    FROM g
    LEFT JOIN search_results_cache c
      ON c.key = :key AND c.generation = g.generation AND c.expires_at > now()
""")
LOCAL_BYTES = 64 * 1024 * 1024


class _Local:
    """This process's recently used entries: key → (generation, value, encoded size), least recent first."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.entries: OrderedDict[bytes, tuple[int, Any, int]] = OrderedDict()

    def get(self, key: bytes, generation: int) -> tuple[bool, Any]:
        entry = self.entries.get(key)
        if entry is None or entry[0] != generation:
            return False, None
        self.entries.move_to_end(key)
        return True, entry[1]

    def generation(self, key: bytes) -> int:
        entry = self.entries.get(key)
        return -1 if entry is None else entry[0]

    def put(self, key: bytes, generation: int, value: Any, size: int) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= old[2]
        if size > self.limit:
            return
        self.entries[key] = (generation, value, size)
        self.size += size
        while self.size > self.limit:
            _, (_, _, dropped) = self.entries.popitem(last=False)
            self.size -= dropped

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0


_local = _Local(LOCAL_BYTES)


def forget_local() -> None:
    """Drop this process's copies (tests that rewrite shared entries behind its back)."""
    _local.clear()


def key_of(index: str, source: str, query: SearchQuery) -> bytes:
    """The entry's key: the index, which engine answers (`meilisearch` or `postgres`) and the whole query."""
    parts = [
        index,
        source,
        query.q,
        [[f.field, f.op, list(f.values)] for f in query.filters],
        query.sort,
        query.limit,
        query.cursor,
        query.any_word,
        query.facets,
    ]
    return hashlib.sha256(orjson.dumps(parts)).digest()


def _encode(result: SearchResult) -> bytes:
    return orjson.dumps(
        {
            "hits": result.hits,
            "next_cursor": result.next_cursor,
            "facets": result.facets,
            "total_estimate": result.total_estimate,
            "engine": result.engine,
            "term_matching": asdict(result.term_matching),
            "extra": result.extra,
        }
    )


def _decode(raw: bytes) -> SearchResult:
    body: dict[str, Any] = orjson.loads(raw)
    matching = body["term_matching"]
    dropped = matching["dropped_terms"]
    return SearchResult(
        hits=body["hits"],
        next_cursor=body["next_cursor"],
        facets=body["facets"],
        total_estimate=body["total_estimate"],
        engine=body["engine"],
        term_matching=TermMatching(
            strategy=matching["strategy"], dropped_terms=None if dropped is None else tuple(dropped)
        ),
        extra=body["extra"],
    )


async def cached(
    session: AsyncSession,
    index: str,
    key: bytes,
    ttl: float,
    compute: Callable[[], Awaitable[SearchResult]],
    *,
    engine: str | None = None,
) -> SearchResult:
    """A search result: the entry under the index's current generation, or `compute()` filed under the
    generation read before it. `session` must be in autocommit mode (a read request's), so the entry is
    visible at once and no lock on it outlives the statement. With `engine`, only a result that engine
    gave is kept: a fallback answer while Meilisearch is down must not outlive the outage."""
    return await cached_value(
        session,
        kind=index,
        depends_on=(index,),
        key=key,
        ttl=ttl,
        compute=compute,
        encode=_encode,
        decode=_decode,
        keep=None if engine is None else (lambda result: result.engine == engine),
    )


async def cached_value(
    session: AsyncSession,
    *,
    kind: str,
    depends_on: Sequence[str],
    key: bytes,
    ttl: float,
    compute: Callable[[], Awaitable[T]],
    encode: Callable[[T], bytes],
    decode: Callable[[bytes], T],
    keep: Callable[[T], bool] | None = None,
) -> T:
    """Any value computed from data whose writes raise the generations named in `depends_on` (indexes,
    or `supplier_records`: quotes' and demands' status changes), cached the same way."""
    if ttl <= 0:
        return await compute()
    names = sorted(depends_on)
    mine = _local.generation(key)
    row = (await session.execute(_LOOKUP, {"key": key, "names": names, "mine": mine})).first()
    if row is not None and row.live:
        held, value = _local.get(key, int(row.generation))
        if held:
            return cast(T, value)
        if row.result is not None:
            try:
                decoded = decode(row.result)
            except (ValueError, KeyError, TypeError):
                # Written by another release in another format: computed again, and overwritten below.
                log.warning("search_cache.undecodable_entry", extra={"kind": kind})
            else:
                _local.put(key, int(row.generation), decoded, len(row.result))
                return decoded
    computed = await compute()
    if keep is not None and not keep(computed):
        return computed
    generation = 0 if row is None else int(row.generation)
    encoded = encode(computed)
    stmt = insert(entries).values(
        key=key,
        index_name=kind,
        generation=generation,
        result=encoded,
        expires_at=text("now() + :ttl").bindparams(ttl=timedelta(seconds=ttl)),
        depends_on=names,
    )
    # A racing reader may have filed the same key: the newer generation wins, never an older one.
    stmt = stmt.on_conflict_do_update(
        index_elements=[entries.c.key],
        set_={k: stmt.excluded[k] for k in ("generation", "result", "expires_at", "depends_on")},
        where=entries.c.generation <= stmt.excluded.generation,
    )
    await session.execute(stmt)
    _local.put(key, generation, computed, len(encoded))
    return computed


async def bump(session: AsyncSession, indexes: set[str]) -> None:
    """Raise these indexes' generations (the Meilisearch relay, after Meilisearch took a batch)."""
    if indexes:
        await session.execute(
            text(
                "INSERT INTO search_generations (index_name, generation) "
                "SELECT unnest(CAST(:names AS text[])), 1 "
                "ON CONFLICT (index_name) DO UPDATE SET generation = search_generations.generation + 1"
            ),
            {"names": sorted(indexes)},
        )


async def purge(session: AsyncSession) -> int:
    """Delete expired entries and those of past generations; returns how many."""
    result = await session.execute(
        text("""
        DELETE FROM search_results_cache c
        WHERE c.expires_at <= now()
           OR c.generation < (SELECT coalesce(sum(g.generation), 0) FROM search_generations g
                              WHERE g.index_name = ANY(c.depends_on))
    """)
    )
    return int(getattr(result, "rowcount", 0) or 0)
