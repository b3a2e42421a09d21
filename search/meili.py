"""The Meilisearch engine (official client, every call off the event loop, every task awaited).

Settings come from the same IndexSpec as the PostgreSQL engine. A task that fails is raised as
IndexingFailed with Meilisearch's own code; an unreachable server is SearchUnavailable, so search can
fall back to PostgreSQL and writes stay in the outbox until it returns.

Two keys: the master key writes settings and documents; queries go out with a search-only key, the one
configured (MEILI_SEARCH_KEY) or else the instance's own default search key, looked up once with the
master key. Only when there is none do queries use the master key (with a warning).
"""

from __future__ import annotations

import logging
import re
import time
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from urllib.parse import urlencode

import anyio.to_thread
import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError

from search import cursor as cursors
from search.engine import (
    Document,
    Filter,
    InvalidCursor,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    TermMatching,
)
from search.specs import OPEN, IndexSpec
from search.synonyms import with_equipment_synonyms

log = logging.getLogger(__name__)
T = TypeVar("T")
BATCH_SIZE = 1000
MAX_TOTAL_HITS = 5000
KEYS_PAGE = 100


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
        # The catalog's synonyms and the Chinese–English equipment table (search/synonyms.py).
        "synonyms": {
            word: sorted(set(alts)) for word, alts in sorted(with_equipment_synonyms(synonyms).items())
        },
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


def _expires_at(value: object) -> datetime | None:
    """A key's expiresAt (RFC 3339, up to nanoseconds); None for a key that never expires."""
    if value is None:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", str(value)).replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)  # unreadable: treated as expired


def search_key_of(keys: Sequence[dict[str, Any]], *, now: datetime) -> str | None:
    """The key that may only search, on every index, and has not expired: Meilisearch's "Default Search
    API Key" first when there are several."""
    usable = [
        key
        for key in keys
        if key.get("actions") == ["search"]
        and key.get("indexes") == ["*"]
        and isinstance(key.get("key"), str)
        and ((expires := _expires_at(key.get("expiresAt"))) is None or expires > now)
    ]
    usable.sort(key=lambda key: key.get("name") != "Default Search API Key")
    return str(usable[0]["key"]) if usable else None


def search_params(spec: IndexSpec, query: SearchQuery, offset: int) -> dict[str, Any]:
    sort = query.sort or ("relevance" if query.q.strip() else spec.default_sort)
    params: dict[str, Any] = {
        "limit": query.limit,
        "offset": offset,
        "locales": ["cmn"],
        # Said, not assumed (it is Meilisearch's default): hits matching every word come first, then words
        # are dropped from the end of the query until enough match — a search never dead-ends, and for
        # matching the demand's key words go first.
        "matchingStrategy": "last",
    }
    if query.facets:
        params["facets"] = list(spec.facets)
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
        search_key: str | None = None,
        timeout: int = 5,
        task_timeout_ms: int = 120_000,
        prefix: str = "",
    ) -> None:
        self.url, self.timeout = url.rstrip("/"), timeout
        # The master key: index settings, documents, tasks, and reading /keys.
        self.client = meilisearch.Client(self.url, api_key, timeout=timeout)
        self.task_timeout_ms = task_timeout_ms
        self.prefix = prefix
        self._health: tuple[float, bool] = (0.0, False)
        # Queries: the configured search key, else one looked up on first use (an instance without a
        # master key has no keys at all, so its one client serves everything).
        self._search_client: meilisearch.Client | None = (
            meilisearch.Client(self.url, search_key, timeout=timeout)
            if search_key
            else self.client
            if api_key is None
            else None
        )

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

    async def search_client(self) -> meilisearch.Client:
        """The client queries go through: a search-only key whenever there is one. Looked up once; an
        unreachable server is SearchUnavailable (and the next query looks again)."""
        if self._search_client is None:
            key = await self._find_search_key()
            if key is None:
                log.warning(
                    "search.meilisearch_search_key_missing",
                    extra={
                        "detail": "no search-only API key found; queries use the master key. Set "
                        "MEILI_SEARCH_KEY, or keep Meilisearch's Default Search API Key."
                    },
                )
                self._search_client = self.client
            else:
                self._search_client = meilisearch.Client(self.url, key, timeout=self.timeout)
        return self._search_client

    async def _find_search_key(self) -> str | None:
        keys: list[dict[str, Any]] = []
        offset = 0
        while True:
            try:
                # The raw listing: the client's typed get_keys() cannot parse an expiresAt without
                # fractional seconds ("2026-12-31T00:00:00Z"), which Meilisearch returns as it was set.
                page = await self._call(
                    self.client.http.get,
                    f"{self.client.config.paths.keys}?{urlencode({'offset': offset, 'limit': KEYS_PAGE})}",
                )
            except MeilisearchApiError as exc:  # e.g. an admin key that may not list keys
                log.warning("search.meilisearch_keys_unreadable", extra={"code": exc.code})
                return None
            results = page.get("results") or []
            keys += [key for key in results if isinstance(key, dict)]
            offset += len(results)
            if not results or offset >= int(page.get("total", 0)):
                return search_key_of(keys, now=datetime.now(UTC))

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
        client = await self.search_client()
        try:
            response = await self._call(
                client.index(self.uid(spec.name)).search, query.q, search_params(spec, query, offset)
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
            # Meilisearch narrows as it needs to but does not say which words it left out.
            term_matching=TermMatching(strategy="last", dropped_terms=None)
            if query.q.strip()
            else TermMatching(),
        )
