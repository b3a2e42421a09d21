"""The Meilisearch engine (official client, every call off the event loop, every task awaited).

Settings come from the same IndexSpec as the PostgreSQL engine. A task that fails is raised as
IndexingFailed with Meilisearch's own code; an unreachable server is SearchUnavailable, so search can
fall back to PostgreSQL and writes stay in the outbox until it returns.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

import anyio.to_thread
import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError

from search import cursor as cursors
from search.engine import Document, Filter, InvalidCursor, SearchQuery, SearchResult, SearchUnavailable
from search.specs import OPEN, IndexSpec

T = TypeVar("T")
BATCH_SIZE = 1000
MAX_TOTAL_HITS = 5000


class IndexingFailed(RuntimeError):
    def __init__(self, task_uid: int, code: str, message: str) -> None:
        super().__init__(f"Meilisearch task {task_uid} failed: {code}: {message}")
        self.task_uid, self.code = task_uid, code


def settings_for(
    spec: IndexSpec, *, dictionary: Sequence[str], synonyms: dict[str, list[str]]
) -> dict[str, Any]:
    """The exact settings sent to Meilisearch for one index (idempotent: PATCH with the full set)."""
    return {
        "searchableAttributes": [s.name for s in spec.searchable],
        "filterableAttributes": [
            {
                "attributePatterns": [f.name],
                "features": {
                    "facetSearch": f.facet,
                    "filter": {"equality": True, "comparison": f.comparison},
                },
            }
            for f in spec.filters
        ],
        "sortableAttributes": list(spec.sortable),
        "displayedAttributes": list(spec.displayed),
        "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"],
        "localizedAttributes": [{"attributePatterns": ["*"], "locales": ["cmn"]}],
        "dictionary": sorted(set(dictionary)),
        "synonyms": {word: sorted(set(alts)) for word, alts in sorted(synonyms.items())},
        # Model numbers such as JW-800 stay one token; model_terms carries jw800 / jw / 800 for the rest.
        "nonSeparatorTokens": ["-"],
        "typoTolerance": {
            "enabled": True,
            "disableOnAttributes": ["model", "model_terms"],
            "disableOnNumbers": True,
        },
        "faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "count"}},
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    }


def _quote(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def filter_expression(spec: IndexSpec, filters: Sequence[Filter]) -> list[str]:
    """Meilisearch filter strings (the outer list is AND), from the engine-neutral filters."""
    clauses: list[str] = []
    for flt in filters:
        field = spec.filter(flt.field)
        if flt.op == "lte":
            clauses.append(f"{flt.field} <= {_quote(flt.values[0])}")
        elif flt.op == "gte":
            clauses.append(f"{flt.field} >= {_quote(flt.values[0])}")
        else:
            values = list(flt.values) + ([OPEN] if field.kind == "keywords" else [])
            clauses.append(f"{flt.field} IN [{', '.join(_quote(v) for v in values)}]")
    return clauses


def search_params(spec: IndexSpec, query: SearchQuery, offset: int) -> dict[str, Any]:
    sort = query.sort or ("relevance" if query.q.strip() else spec.default_sort)
    params: dict[str, Any] = {
        "limit": query.limit,
        "offset": offset,
        "locales": ["cmn"],
    }
    if query.facets:
        params["facets"] = list(spec.facets)
    if query.any_word:
        # Meilisearch drops words from the end until documents match: the demand's key words go first.
        params["matchingStrategy"] = "last"
    expression = filter_expression(spec, query.filters)
    if expression:
        params["filter"] = expression
    if sort != "relevance":
        field, direction = spec.sorts[sort]
        params["sort"] = [f"{field}:{direction}"]
    return params


class MeilisearchEngine:
    name: Literal["meilisearch"] = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str | None,
        *,
        timeout: int = 5,
        task_timeout_ms: int = 120_000,
        prefix: str = "",
    ) -> None:
        self.client = meilisearch.Client(url.rstrip("/"), api_key, timeout=timeout)
        self.task_timeout_ms = task_timeout_ms
        self.prefix = prefix
        self._health: tuple[float, bool] = (0.0, False)

    def uid(self, index: str) -> str:
        return f"{self.prefix}{index}"

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))
        except (MeilisearchCommunicationError, MeilisearchTimeoutError) as exc:
            raise SearchUnavailable(str(exc)) from exc

    async def wait(self, task_uid: int) -> None:
        task = await self._call(
            self.client.wait_for_task, task_uid, timeout_in_ms=self.task_timeout_ms, interval_in_ms=50
        )
        if task.status != "succeeded":
            error = task.error or {}
            raise IndexingFailed(task_uid, str(error.get("code", task.status)), str(error.get("message", "")))

    async def healthy(self, *, max_age: float = 5.0) -> bool:
        checked_at, ok = self._health
        if time.monotonic() - checked_at < max_age:
            return ok
        ok = await anyio.to_thread.run_sync(self.client.is_healthy)
        self._health = (time.monotonic(), ok)
        return ok

    # -- index management -----------------------------------------------------------------------
    async def ensure_index(
        self,
        spec: IndexSpec,
        *,
        dictionary: Sequence[str],
        synonyms: dict[str, list[str]],
        uid: str | None = None,
    ) -> str:
        """Create the index if needed and apply its settings; returns its uid."""
        uid = uid or self.uid(spec.name)
        try:
            await self._call(self.client.get_index, uid)
        except MeilisearchApiError as exc:
            if exc.code != "index_not_found":
                raise
            await self.wait((await self._call(self.client.create_index, uid, {"primaryKey": "id"})).task_uid)
        settings = settings_for(spec, dictionary=dictionary, synonyms=synonyms)
        await self.wait((await self._call(self.client.index(uid).update_settings, settings)).task_uid)
        return uid

    async def upsert(self, uid: str, docs: Sequence[Document]) -> None:
        for start in range(0, len(docs), BATCH_SIZE):
            batch = list(docs[start : start + BATCH_SIZE])
            info = await self._call(self.client.index(uid).add_documents, batch, primary_key="id")
            await self.wait(info.task_uid)

    async def delete(self, uid: str, ids: Sequence[str]) -> None:
        if ids:
            info = await self._call(self._delete_batch, uid, list(ids))
            await self.wait(info.task_uid)

    def _delete_batch(self, uid: str, ids: list[str]) -> Any:
        # POST /documents/delete-batch is current server API; the client merely discourages the ids form.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return self.client.index(uid).delete_documents(ids)

    async def swap_in(self, live_uid: str, fresh_uid: str) -> None:
        """Make `fresh_uid` the live index atomically, and drop the old data."""
        try:
            await self._call(self.client.get_index, live_uid)
            exists = True
        except MeilisearchApiError as exc:
            if exc.code != "index_not_found":
                raise
            exists = False
        if exists:
            await self.wait(
                (await self._call(self.client.swap_indexes, [{"indexes": [live_uid, fresh_uid]}])).task_uid
            )
            await self.wait((await self._call(self.client.delete_index, fresh_uid)).task_uid)
        else:
            pair = [{"indexes": [fresh_uid, live_uid], "rename": True}]
            await self.wait((await self._call(self.client.swap_indexes, pair)).task_uid)

    async def versions(self, uid: str, *, page: int = 1000) -> dict[str, int]:
        """id → version of every document (for search-check)."""
        found: dict[str, int] = {}
        offset = 0
        while True:
            result = await self._call(
                self.client.index(uid).get_documents,
                {"limit": page, "offset": offset, "fields": ["id", "version"]},
            )
            for doc in result.results:
                data = dict(doc)
                found[str(data.get("id"))] = int(data.get("version", 0))
            offset += page
            if offset >= result.total:
                return found

    # -- search -----------------------------------------------------------------------------------
    async def search(self, spec: IndexSpec, query: SearchQuery) -> SearchResult:
        offset = 0
        sort = query.sort or ("relevance" if query.q.strip() else spec.default_sort)
        if query.cursor:
            payload = cursors.decode(query.cursor)
            if payload.get("e") != "meili" or payload.get("s") != sort:
                raise InvalidCursor(
                    "this cursor belongs to another engine or sort; start from the first page",
                    zh="该游标属于其他搜索引擎或排序方式，请从第一页重新开始",
                )
            offset = payload.get("o", 0)
            if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset < MAX_TOTAL_HITS:
                raise InvalidCursor("malformed cursor", zh="游标格式有误")
        try:
            response = await self._call(
                self.client.index(self.uid(spec.name)).search, query.q, search_params(spec, query, offset)
            )
        except MeilisearchApiError as exc:
            if exc.code == "index_not_found":
                raise SearchUnavailable("the index is not built yet") from exc
            raise
        total = int(response.get("estimatedTotalHits", response.get("totalHits", 0)))
        hits = [{k: v for k, v in hit.items() if not k.startswith("_")} for hit in response.get("hits", [])]
        next_offset = offset + len(hits)
        next_cursor = (
            cursors.encode({"e": "meili", "s": sort, "o": next_offset})
            if hits and next_offset < min(total, MAX_TOTAL_HITS)
            else None
        )
        return SearchResult(
            hits=hits,
            next_cursor=next_cursor,
            facets=response.get("facetDistribution", {}),
            total_estimate=total,
            engine=self.name,
        )
