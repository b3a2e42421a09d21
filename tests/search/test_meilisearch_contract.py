"""The Meilisearch engine against a local recorder: the exact settings, documents, filters and task
handling it sends, and how it reads real response shapes (failed tasks, an unreachable server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from search.engine import Filter, SearchQuery, SearchUnavailable
from search.meili import IndexingFailed, MeilisearchEngine, filter_expression, search_params, settings_for
from search.specs import DEMANDS, PRODUCTS
from tests.fixtures.factories import Account, listed_product, published_demand
from tests.fixtures.fake_meili import FakeMeiliServer


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
        assert settings["synonyms"] == {"PECVD": ["管式等离子体淀积炉"]}
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
