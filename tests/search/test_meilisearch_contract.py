"""The Meilisearch engine against a local recorder: the exact settings, documents, filters and task
handling it sends, the key each request carries, and how it reads real response shapes (failed tasks,
API keys, an unreachable server)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.indexing import service as indexing
from app.main import create_app
from search.engine import Filter, SearchQuery, SearchUnavailable, TermMatching
from search.meili import IndexingFailed, MeilisearchEngine, filter_expression, search_params, settings_for
from search.specs import DEMANDS, PRODUCTS
from tests.fixtures.factories import Account, listed_product, published_demand
from tests.fixtures.fake_meili import SEARCH_KEY, FakeMeiliServer


@pytest.fixture
def fake() -> Iterator[FakeMeiliServer]:
    with FakeMeiliServer() as server:
        yield server


@pytest.fixture
def meili(fake: FakeMeiliServer) -> MeilisearchEngine:
    return MeilisearchEngine(fake.url, "master-key-for-tests", timeout=2, task_timeout_ms=2000)


class TestSettings:
    def test_settings_follow_the_spec(self) -> None:
        settings = settings_for(
            PRODUCTS,
            dictionary=["大热场单晶炉", "卷绕机", "卷绕机"],
            synonyms={"PECVD": ["管式等离子体淀积炉"]},
        )
        assert settings["searchableAttributes"][:3] == ["name", "model", "model_terms"]
        assert {
            "attributePatterns": ["energy_grade"],
            "features": {"facetSearch": True, "filter": {"equality": True, "comparison": True}},
        } in settings["filterableAttributes"]
        assert {
            "attributePatterns": ["region_codes"],
            "features": {"facetSearch": True, "filter": {"equality": True, "comparison": False}},
        } in settings["filterableAttributes"]
        assert settings["sortableAttributes"] == ["listed_ts", "price_min_cny"]
        assert settings["localizedAttributes"] == [{"attributePatterns": ["*"], "locales": ["cmn"]}]
        assert settings["dictionary"] == ["卷绕机", "大热场单晶炉"]
        assert settings["synonyms"]["PECVD"] == ["管式等离子体淀积炉"]
        assert (
            settings["synonyms"]
            == settings_for(PRODUCTS, dictionary=[], synonyms={"PECVD": ["管式等离子体淀积炉"]})["synonyms"]
        )
        assert settings["nonSeparatorTokens"] == ["-"]
        assert settings["pagination"] == {"maxTotalHits": 5000}
        assert settings["faceting"]["maxValuesPerFacet"] == 100

    async def test_ensure_index_creates_then_applies_settings_and_waits(
        self, meili: MeilisearchEngine, fake: FakeMeiliServer
    ) -> None:
        uid = await meili.ensure_index(DEMANDS, dictionary=["余热发电"], synonyms={})
        calls = [(r.method, r.path) for r in fake.state.requests]
        assert calls[:2] == [("GET", "/indexes/demands"), ("POST", "/indexes")]
        assert fake.state.requests[1].body == {"uid": "demands", "primaryKey": "id"}
        assert ("PATCH", "/indexes/demands/settings") in calls
        assert ("GET", "/tasks/1") in calls and ("GET", "/tasks/2") in calls
        patch = next(r for r in fake.state.requests if r.method == "PATCH")
        assert patch.body == settings_for(DEMANDS, dictionary=["余热发电"], synonyms={})
        assert uid == "demands"
        # Idempotent: a second call does not create again, it only re-applies the settings.
        fake.state.requests.clear()
        await meili.ensure_index(DEMANDS, dictionary=["余热发电"], synonyms={})
        assert [(r.method, r.path) for r in fake.state.requests if r.path.startswith("/indexes")] == [
            ("GET", "/indexes/demands"),
            ("PATCH", "/indexes/demands/settings"),
        ]


class TestSynonyms:
    """The Chinese–English equipment table (search/synonyms.py) goes to every index, both ways, with the
    catalog's own synonyms."""

    def test_the_equipment_table_is_sent_both_ways_with_the_catalogs(self) -> None:
        synonyms = settings_for(
            PRODUCTS, dictionary=[], synonyms={"拉晶炉": ["大热场单晶炉"], "CNC": ["数控机床"]}
        )["synonyms"]
        assert synonyms["拉晶炉"] == ["大热场单晶炉"]
        by_lower_case = {word.casefold(): alternatives for word, alternatives in synonyms.items()}
        for chinese, english in [
            ("机床", "machine tool"),
            ("激光", "laser"),
            ("机器人", "robot"),
            ("数控", "cnc"),
            ("变频器", "vfd"),
            ("传感器", "sensor"),
            ("光伏", "pv"),
            ("锅炉", "boiler"),
            ("空压机", "air compressor"),
            ("储能", "energy storage"),
        ]:
            assert english in synonyms[chinese] and chinese in by_lower_case[english], chinese
        # Meilisearch lowercases keys: CNC and cnc are one key, with both sets of alternatives.
        assert "cnc" not in synonyms
        assert {"数控机床", "数控", "机床"} <= set(synonyms["CNC"])
        assert all(alternatives == sorted(set(alternatives)) for alternatives in synonyms.values())

    async def test_ensure_index_sends_them(self, meili: MeilisearchEngine, fake: FakeMeiliServer) -> None:
        await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={})
        patch = next(r for r in fake.state.requests if r.method == "PATCH")
        assert "air compressor" in patch.body["synonyms"]["空压机"]
        assert "空压机" in patch.body["synonyms"]["air compressor"]


class TestDocumentsAndTasks:
    async def test_documents_go_in_batches_and_every_task_is_awaited(
        self, meili: MeilisearchEngine, fake: FakeMeiliServer
    ) -> None:
        await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={})
        fake.state.requests.clear()
        docs = [
            {"id": f"00000000-0000-0000-0000-{i:012d}", "version": 1, "name": "卷绕机"} for i in range(2500)
        ]
        await meili.upsert("products", docs)
        posts = [r for r in fake.state.requests if r.path == "/indexes/products/documents"]
        assert [len(r.body) for r in posts] == [1000, 1000, 500]
        assert all(r.query == {"primaryKey": ["id"]} for r in posts)
        assert sum(1 for r in fake.state.requests if r.path.startswith("/tasks/")) >= 3
        await meili.delete("products", [str(docs[0]["id"])])
        assert fake.state.requests[-2].path == "/indexes/products/documents/delete-batch"
        assert fake.state.requests[-2].body == [docs[0]["id"]]

    async def test_a_failed_task_is_raised_with_its_code(
        self, meili: MeilisearchEngine, fake: FakeMeiliServer
    ) -> None:
        await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={})
        fake.state.fail_next_task = "invalid_document_id"
        with pytest.raises(IndexingFailed) as failure:
            await meili.upsert("products", [{"id": "bad id!", "version": 1}])
        assert failure.value.code == "invalid_document_id"

    async def test_swap_uses_swap_indexes_then_drops_the_old_copy(
        self, meili: MeilisearchEngine, fake: FakeMeiliServer
    ) -> None:
        await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={}, uid="products__reindex_1")
        await meili.swap_in("products", "products__reindex_1")  # no live index yet: a rename
        swap = next(r for r in fake.state.requests if r.path == "/swap-indexes")
        assert swap.body == [{"indexes": ["products__reindex_1", "products"], "rename": True}]
        await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={}, uid="products__reindex_2")
        fake.state.requests.clear()
        await meili.swap_in("products", "products__reindex_2")
        assert [(r.method, r.path, r.body) for r in fake.state.requests if r.method != "GET"] == [
            ("POST", "/swap-indexes", [{"indexes": ["products", "products__reindex_2"]}]),
            ("DELETE", "/indexes/products__reindex_2", None),
        ]


class TestSearchRequests:
    def test_filters_are_quoted_and_open_lists_admit_all(self) -> None:
        filters = [
            Filter("region_codes", "any", ("510100",)),
            Filter("energy_grade", "lte", (2,)),
            Filter("made_in_sichuan", "any", (True,)),
            Filter("category_path", "any", ('a"b\\c',)),
        ]
        assert filter_expression(PRODUCTS, filters) == [
            'region_codes IN ["510100", "all"]',
            "energy_grade <= 2",
            "made_in_sichuan IN [true]",
            'category_path IN ["a\\"b\\\\c", "all"]',
        ]

    def test_sort_facets_locales_and_paging(self) -> None:
        params = search_params(PRODUCTS, SearchQuery(q="", sort="price_asc", limit=10), offset=20)
        assert params == {
            "limit": 10,
            "offset": 20,
            "facets": list(PRODUCTS.facets),
            "locales": ["cmn"],
            "matchingStrategy": "last",
            "sort": ["price_min_cny:asc"],
        }
        relevance = search_params(PRODUCTS, SearchQuery(q="卷绕机"), offset=0)
        assert "sort" not in relevance

    async def test_search_reads_a_real_response_and_pages_by_offset(
        self, meili: MeilisearchEngine, fake: FakeMeiliServer
    ) -> None:
        await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={})
        fake.state.search_response = {
            "hits": [{"id": "a", "name": "全自动卷绕机", "_rankingScore": 0.9}],
            "query": "卷绕机",
            "processingTimeMs": 2,
            "limit": 1,
            "offset": 0,
            "estimatedTotalHits": 3,
            "facetDistribution": {"region_codes": {"510100": 2, "all": 1}},
            "requestUid": "x",
        }
        result = await meili.search(
            PRODUCTS, SearchQuery(q="卷绕机", limit=1, filters=[Filter("region_codes", "any", ("510100",))])
        )
        sent = fake.state.requests[-1]
        assert sent.path == "/indexes/products/search"
        assert sent.body["q"] == "卷绕机" and sent.body["filter"] == ['region_codes IN ["510100", "all"]']
        assert result.hits == [{"id": "a", "name": "全自动卷绕机"}]
        assert result.facets == {"region_codes": {"510100": 2, "all": 1}}
        assert result.total_estimate == 3 and result.engine == "meilisearch"
        assert result.next_cursor is not None
        await meili.search(
            PRODUCTS,
            SearchQuery(
                q="卷绕机",
                limit=1,
                cursor=result.next_cursor,
                filters=[Filter("region_codes", "any", ("510100",))],
            ),
        )
        assert fake.state.requests[-1].body["offset"] == 1

    async def test_an_unreachable_server_is_search_unavailable(self) -> None:
        down = MeilisearchEngine("http://127.0.0.1:1", "k", timeout=1)
        with pytest.raises(SearchUnavailable):
            await down.search(PRODUCTS, SearchQuery(q="泵"))
        assert await down.healthy() is False


class TestMatchingStrategy:
    """Meilisearch is asked for matchingStrategy "last" explicitly, and the response says so: it drops
    words from the end as it needs to, without saying which."""

    def test_every_search_asks_for_last(self) -> None:
        assert (
            search_params(PRODUCTS, SearchQuery(q="激光切割 不存在的词"), offset=0)["matchingStrategy"]
            == "last"
        )

    async def test_the_result_reports_the_strategy_not_the_words(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        fake: FakeMeiliServer,
        meili: MeilisearchEngine,
    ) -> None:
        await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={})
        await meili.upsert(
            "products", [{"id": "11111111-1111-1111-1111-111111111111", "version": 1, "name": "光纤激光器"}]
        )
        result = await meili.search(PRODUCTS, SearchQuery(q="激光"))
        assert result.term_matching == TermMatching(strategy="last", dropped_terms=None)
        app.state.meili = meili
        body = (await client.get("/search/products", params={"q": "激光"})).json()
        assert body["engine"] == "meilisearch"
        assert body["term_matching"] == {"strategy": "last", "dropped_terms": None}
        assert fake.state.requests[-1].body["matchingStrategy"] == "last"
        browsing = (await client.get("/search/products")).json()
        assert browsing["term_matching"] == {"strategy": "all", "dropped_terms": []}


class TestSearchKey:
    """Queries carry a search-only key; settings and documents the master key."""

    async def _index_and_search(self, meili: MeilisearchEngine) -> None:
        await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={})
        await meili.upsert(
            "products", [{"id": "11111111-1111-1111-1111-111111111111", "version": 1, "name": "全自动卷绕机"}]
        )
        await meili.search(PRODUCTS, SearchQuery(q="卷绕机"))
        await meili.search(PRODUCTS, SearchQuery(q="卷绕机"))

    @staticmethod
    def _keys_by_route(fake: FakeMeiliServer) -> dict[tuple[str, str], set[str | None]]:
        found: dict[tuple[str, str], set[str | None]] = {}
        for r in fake.state.requests:
            found.setdefault((r.method, r.path), set()).add(r.authorization)
        return found

    async def test_the_default_search_key_is_looked_up_once_with_the_master_key(
        self, meili: MeilisearchEngine, fake: FakeMeiliServer
    ) -> None:
        await self._index_and_search(meili)
        used = self._keys_by_route(fake)
        master, search = "Bearer master-key-for-tests", f"Bearer {SEARCH_KEY}"
        assert used[("POST", "/indexes/products/search")] == {search}
        assert used[("GET", "/keys")] == {master}
        assert [r.path for r in fake.state.requests].count("/keys") == 1
        assert used[("PATCH", "/indexes/products/settings")] == {master}
        assert used[("POST", "/indexes/products/documents")] == {master}
        assert used[("GET", "/tasks/1")] == {master}

    async def test_a_configured_search_key_is_used_without_a_look_up(self, fake: FakeMeiliServer) -> None:
        meili = MeilisearchEngine(
            fake.url, "master-key-for-tests", search_key="configured-search-key", timeout=2
        )
        await self._index_and_search(meili)
        used = self._keys_by_route(fake)
        assert used[("POST", "/indexes/products/search")] == {"Bearer configured-search-key"}
        assert used[("POST", "/indexes/products/documents")] == {"Bearer master-key-for-tests"}
        assert ("GET", "/keys") not in used

    async def test_only_a_live_search_only_key_for_every_index_will_do(
        self, meili: MeilisearchEngine, fake: FakeMeiliServer
    ) -> None:
        def key(n: int, **over: object) -> dict[str, object]:
            return {
                "name": None,
                "description": None,
                "key": f"key-{n}",
                "uid": f"00000000-0000-4000-8000-{n:012d}",
                "actions": ["documents.add"],
                "indexes": ["*"],
                "expiresAt": None,
                "createdAt": "2026-11-29T09:58:01.231428017Z",
                "updatedAt": "2026-11-29T09:58:01.231428017Z",
                **over,
            }

        fake.state.keys = [
            *(key(n) for n in range(100)),
            key(100, actions=["search"], indexes=["products"]),  # one index only
            key(101, actions=["search", "documents.get"]),  # more than search
            key(102, actions=["search"], expiresAt="2020-01-01T00:00:00Z"),  # expired
            key(103, actions=["search"], expiresAt="2099-12-31T00:00:00Z"),  # on the second page
        ]
        await self._index_and_search(meili)
        assert self._keys_by_route(fake)[("POST", "/indexes/products/search")] == {"Bearer key-103"}
        assert [r.query for r in fake.state.requests if r.path == "/keys"] == [
            {"offset": ["0"], "limit": ["100"]},
            {"offset": ["100"], "limit": ["100"]},
        ]

    async def test_without_a_search_key_queries_fall_back_to_the_master_key_with_a_warning(
        self, meili: MeilisearchEngine, fake: FakeMeiliServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        fake.state.keys = [k for k in fake.state.keys if k["actions"] != ["search"]]
        with caplog.at_level(logging.WARNING, logger="search.meili"):
            await self._index_and_search(meili)
        assert self._keys_by_route(fake)[("POST", "/indexes/products/search")] == {
            "Bearer master-key-for-tests"
        }
        assert [r.getMessage() for r in caplog.records] == ["search.meilisearch_search_key_missing"]

    @pytest.mark.parametrize("configured", [None, "configured-search-key"])
    async def test_the_api_searches_with_the_search_key(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        fake: FakeMeiliServer,
        meili: MeilisearchEngine,
        configured: str | None,
    ) -> None:
        await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={})
        await meili.upsert(
            "products", [{"id": "11111111-1111-1111-1111-111111111111", "version": 1, "name": "全自动卷绕机"}]
        )
        fake.state.requests.clear()
        with_meili = settings.model_copy(
            update={
                "meili_url": fake.url,
                "meili_master_key": SecretStr("master-key-for-tests"),
                "meili_search_key": SecretStr(configured) if configured else None,
            }
        )
        try:
            transport = httpx.ASGITransport(app=create_app(with_meili, sessionmaker=sessionmaker))
            async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as api:
                body = (await api.get("/search/products", params={"q": "卷绕机"})).json()
        finally:
            indexing.configure(outbox=False)  # create_app turned the outbox on for Meilisearch
        assert body["engine"] == "meilisearch" and len(body["items"]) == 1
        search = next(r for r in fake.state.requests if r.path == "/indexes/products/search")
        assert search.authorization == f"Bearer {configured or SEARCH_KEY}"


class TestFallback:
    async def test_api_falls_back_to_postgres_and_readyz_says_degraded(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        app.state.meili = MeilisearchEngine("http://127.0.0.1:1", "k", timeout=1)
        response = await client.get("/search/products", params={"q": "卷绕机"})
        assert response.status_code == 200
        assert response.json()["engine"] == "postgres"
        ready = (await client.get("/readyz")).json()
        assert ready == {"database": "ok", "search": "degraded", "engine": "postgres"}

    async def test_api_uses_meilisearch_when_it_answers(
        self, app: FastAPI, client: httpx.AsyncClient, fake: FakeMeiliServer, meili: MeilisearchEngine
    ) -> None:
        await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={})
        await meili.upsert(
            "products", [{"id": "11111111-1111-1111-1111-111111111111", "version": 1, "name": "全自动卷绕机"}]
        )
        app.state.meili = meili
        body = (await client.get("/search/products", params={"q": "卷绕机"})).json()
        assert body["engine"] == "meilisearch"
        assert [h["id"] for h in body["items"]] == ["11111111-1111-1111-1111-111111111111"]
        assert (await client.get("/readyz")).json()["engine"] == "meilisearch"


class TestMatchingThroughMeilisearch:
    def test_any_word_queries_without_facets(self) -> None:
        params = search_params(PRODUCTS, SearchQuery(q="单晶炉 更新", any_word=True, facets=False), offset=0)
        assert params == {"limit": 20, "offset": 0, "locales": ["cmn"], "matchingStrategy": "last"}

    async def test_product_matches_score_meilisearch_hits(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        db: AsyncSession,
        fake: FakeMeiliServer,
        meili: MeilisearchEngine,
        admin: Account,
        enterprise: Account,
        supplier: Account,
    ) -> None:
        product = await listed_product(client, supplier, admin)
        demand = await published_demand(client, enterprise)
        document = await db.scalar(
            text("SELECT document FROM search_documents WHERE index_name = 'products' AND doc_id = :id"),
            {"id": uuid.UUID(product["id"])},
        )
        await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={})
        fake.state.search_response = {
            "hits": [{**document, "_rankingScore": 0.8}],
            "query": "",
            "processingTimeMs": 1,
            "limit": 100,
            "offset": 0,
            "estimatedTotalHits": 1,
        }
        app.state.meili = meili
        response = await client.get(
            f"/demands/{demand['id']}/matches", params={"kind": "product"}, headers=enterprise.headers
        )
        assert response.status_code == 200, response.text
        assert [i["target"]["id"] for i in response.json()["items"]] == [product["id"]]
        sent = fake.state.requests[-1].body
        assert sent["matchingStrategy"] == "last" and "facets" not in sent and sent["limit"] == 100
        assert 'category_path IN ["photovoltaic.monocrystal_furnace", "all"]' in sent["filter"]
        assert sent["q"].startswith("大热场单晶炉")
