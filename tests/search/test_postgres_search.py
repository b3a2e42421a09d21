"""The PostgreSQL engine through /search/*: always current, Chinese-aware, filtered, faceted and paged."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import SearchOutbox
from app.models.account import RateLimitBucket
from app.models.base import utcnow
from tests.fixtures.factories import (
    Account,
    create_demand,
    create_product,
    listed_product,
    published_demand,
    vetted_account,
)


async def _ids(client: httpx.AsyncClient, index: str, **params: Any) -> list[str]:
    response = await client.get(f"/search/{index}", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["engine"] == "postgres"
    return [item["id"] for item in body["items"]]


class TestWhatIsIndexed:
    async def test_only_published_demands(self, client: httpx.AsyncClient, enterprise: Account) -> None:
        live = await published_demand(client, enterprise, title="隧道窑节能改造")
        draft = await create_demand(client, enterprise, title="隧道窑草稿需求")
        found = await _ids(client, "demands", q="隧道窑")
        assert live["id"] in found and draft["id"] not in found
        await client.post(f"/demands/{live['id']}/close", headers=enterprise.headers)
        assert live["id"] not in await _ids(client, "demands", q="隧道窑")

    async def test_edits_are_searchable_at_once(self, client: httpx.AsyncClient, enterprise: Account) -> None:
        demand = await published_demand(client, enterprise, title="旧标题")
        await client.patch(
            f"/demands/{demand['id']}", headers=enterprise.headers, json={"title": "篦冷机更新"}
        )
        assert demand["id"] in await _ids(client, "demands", q="篦冷机")

    async def test_only_listed_products_of_vetted_suppliers(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        listed = await listed_product(client, supplier, admin)
        draft = await create_product(client, supplier)
        found = await _ids(client, "products", q="单晶炉")
        assert listed["id"] in found and draft["id"] not in found
        await client.post(
            f"/admin/organizations/{supplier.organization_id}/vetting",
            headers=admin.headers,
            json={"decision": "suspend", "note": "暂停"},
        )
        assert listed["id"] not in await _ids(client, "products", q="单晶炉")

    async def test_a_rolled_back_write_leaves_no_trace(
        self, client: httpx.AsyncClient, enterprise: Account, db: AsyncSession
    ) -> None:
        from app.indexing import service as indexing

        indexing.configure(outbox=True)
        try:
            before = (await db.execute(select(func.count()).select_from(SearchOutbox))).scalar_one()
            bad = await client.post(
                "/demands",
                headers=enterprise.headers,
                json={
                    "title": "x",
                    "task_type": "micro",
                    "industry_code": "C3825",
                    "region_code": "999999",
                    "category_codes": ["micro"],
                    "budget_min_cny": 1,
                    "budget_max_cny": 2,
                    "needs": {"equipment": True},
                },
            )
            assert bad.status_code == 422
            assert (await db.execute(select(func.count()).select_from(SearchOutbox))).scalar_one() == before
            demand = await published_demand(client, enterprise)
            rows = (await db.scalars(select(SearchOutbox).where(SearchOutbox.doc_id == demand["id"]))).all()
            assert rows and {r.index_name for r in rows} == {"demands"}
        finally:
            indexing.configure(outbox=False)


class TestChineseQueries:
    @pytest.mark.parametrize(
        "query", ["单晶炉", "大热场单晶炉", "热场", "TDR-120", "tdr120", "TDR 120", "光伏"]
    )
    async def test_fragments_model_numbers_and_mixed_case(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account, query: str
    ) -> None:
        product = await listed_product(client, supplier, admin)
        assert product["id"] in await _ids(client, "products", q=query)

    async def test_abbreviations_find_their_equipment(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        pecvd = await listed_product(
            client,
            supplier,
            admin,
            name="管式等离子体淀积炉",
            model="PD-9",
            category_code="photovoltaic.pecvd",
        )
        mes = await listed_product(
            client,
            supplier,
            admin,
            name="制造执行系统软件",
            model="M-1",
            category_code="smart.software.mes",
            energy_grade=None,
        )
        assert pecvd["id"] in await _ids(client, "products", q="PECVD")
        assert mes["id"] in await _ids(client, "products", q="MES")

    async def test_punctuation_or_emoji_only_is_empty_not_an_error(self, client: httpx.AsyncClient) -> None:
        for query in ["！！！", "🔧🔧", "   ", "、。"]:
            response = await client.get("/search/products", params={"q": query})
            assert response.status_code == 200
            if query.strip():
                assert response.json()["items"] == []

    async def test_no_match(self, client: httpx.AsyncClient) -> None:
        assert await _ids(client, "products", q="量子纠缠发生器") == []


class TestFiltersFacetsPaging:
    async def test_filters_and_facets(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        a = await listed_product(
            client,
            supplier,
            admin,
            name="数控加工中心",
            model="VMC-850",
            category_code="precision.machining_center",
            service_region_codes=["510600"],
            energy_grade=1,
            price_min_cny=500_000,
            price_max_cny=800_000,
        )
        b = await listed_product(
            client,
            supplier,
            admin,
            name="数控加工中心",
            model="VMC-1160",
            category_code="precision.machining_center",
            service_region_codes=["510700"],
            energy_grade=3,
            price_min_cny=900_000,
            price_max_cny=1_200_000,
            made_in_sichuan=False,
        )
        assert set(await _ids(client, "products", q="加工中心")) >= {a["id"], b["id"]}
        assert await _ids(client, "products", q="加工中心", region_code="510600") == [a["id"]]
        assert await _ids(client, "products", q="加工中心", energy_grade_max=2) == [a["id"]]
        assert await _ids(client, "products", q="加工中心", price_max_cny=600_000) == [a["id"]]
        assert await _ids(client, "products", q="加工中心", made_in_sichuan="true") == [a["id"]]
        assert set(await _ids(client, "products", q="加工中心", category_code="precision")) == {
            a["id"],
            b["id"],
        }
        body = (await client.get("/search/products", params={"q": "加工中心"})).json()
        assert body["facets"]["region_codes"]["510600"] >= 1
        assert body["total_estimate"] >= 2

    async def test_sort_and_cursor_pages(self, client: httpx.AsyncClient, enterprise: Account) -> None:
        made = [
            await published_demand(client, enterprise, title=f"余热发电改造{i}", region_code="511800")
            for i in range(5)
        ]
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"q": "余热发电", "region_code": "511800", "limit": 2, "sort": "newest"}
            if cursor:
                params["cursor"] = cursor
            body = (await client.get("/search/demands", params=params)).json()
            seen += [d["id"] for d in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert seen == [d["id"] for d in reversed(made)]

    @pytest.mark.parametrize(
        ("params", "loc"),
        [
            ({"q": "泵" * 201}, ["query", "q"]),
            ({"limit": 101}, ["query", "limit"]),
            ({"cursor": "not-a-cursor"}, ["query", "cursor"]),
            ({"category_code": "no.such"}, ["query", "category_code"]),
            ({"region_code": "abc"}, ["query", "region_code"]),
            ({"sort": "random"}, ["query", "sort"]),
        ],
    )
    async def test_bad_input_is_422(
        self, client: httpx.AsyncClient, params: dict[str, Any], loc: list[str]
    ) -> None:
        response = await client.get("/search/demands", params=params)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == loc


class TestOtherIndexes:
    async def test_providers_and_financing(self, client: httpx.AsyncClient, admin: Account) -> None:
        provider = await vetted_account(
            client,
            admin,
            "provider",
            provider_types=["engineering_firm"],
            profile={
                "services": ["氯碱无汞化改造工程"],
                "service_region_codes": [],
                "industry_codes": ["C2612"],
                "qualifications": [],
                "cases": [],
            },
        )
        assert provider.organization_id in await _ids(client, "providers", q="无汞")
        assert provider.organization_id in await _ids(
            client, "providers", provider_type="engineering_firm", region_code="513400"
        )
        bank = await vetted_account(client, admin, "bank")
        product = (
            await client.post(
                "/financing-products",
                headers=bank.headers,
                json={
                    "name": "绿色技改贷",
                    "financing_type": "tech_upgrade_loan",
                    "amount_min_cny": 1_000_000,
                    "amount_max_cny": 30_000_000,
                    "term_min_months": 12,
                    "term_max_months": 60,
                    "region_codes": ["510100"],
                    "industry_codes": [],
                    "task_types": ["environmental"],
                    "relending_eligible": True,
                },
            )
        ).json()
        assert product["id"] in await _ids(client, "financing-products", q="技改贷")
        assert product["id"] in await _ids(
            client,
            "financing-products",
            region_code="510100",
            amount_cny=5_000_000,
            task_type="environmental",
        )
        assert product["id"] not in await _ids(client, "financing-products", region_code="510300")
        assert product["id"] not in await _ids(client, "financing-products", amount_cny=50_000_000)


def _neutral(name: str, **over: Any) -> dict[str, Any]:
    """A product whose category, industry and certifications carry none of the words searched for here,
    so only its own name (or description) can match."""
    return {
        "name": name,
        "model": "N-1",
        "category_code": "micro.single_point",
        "industry_codes": ["C39"],
        "description": "",
        "certifications": [],
        **over,
    }


async def _search(client: httpx.AsyncClient, index: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"/search/{index}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["engine"] == "postgres"
    return body


class TestSearchNeverDeadEnds:
    """When no document has every word, words are dropped from the end of the query (Meilisearch's
    matchingStrategy "last") until something matches, at least one word kept, and the response says so."""

    async def test_a_word_no_product_has_is_dropped_from_the_end(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        laser = await listed_product(client, supplier, admin, **_neutral("大功率光纤激光器"))
        body = await _search(client, "products", q="激光切割")
        assert [item["id"] for item in body["items"]] == [laser["id"]]
        assert body["term_matching"] == {"strategy": "last", "dropped_terms": ["切割"]}
        assert body["total_estimate"] == 1

    async def test_words_that_match_nothing_are_dropped_and_reported(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        cutter = await listed_product(client, supplier, admin, **_neutral("光纤激光切割机"))
        laser_only = await listed_product(client, supplier, admin, **_neutral("大功率光纤激光器"))
        body = await _search(client, "products", q="激光切割 不存在的词")
        # The longest start of the query that still matches wins: 激光 and 切割 stay, so the product
        # with both is found and the one with only 激光 is not.
        assert [item["id"] for item in body["items"]] == [cutter["id"]]
        assert laser_only["id"] not in [item["id"] for item in body["items"]]
        assert body["term_matching"]["strategy"] == "last"
        assert "".join(body["term_matching"]["dropped_terms"]) == "不存在的词"

    async def test_when_every_word_matches_nothing_is_dropped(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        cutter = await listed_product(client, supplier, admin, **_neutral("光纤激光切割机"))
        await listed_product(client, supplier, admin, **_neutral("大功率光纤激光器"))
        body = await _search(client, "products", q="激光切割")
        assert [item["id"] for item in body["items"]] == [cutter["id"]]
        assert body["term_matching"] == {"strategy": "all", "dropped_terms": []}
        browsing = await _search(client, "products")
        assert browsing["term_matching"] == {"strategy": "all", "dropped_terms": []}

    async def test_filters_still_hold_and_the_first_word_is_never_dropped(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        await listed_product(
            client, supplier, admin, **_neutral("大功率光纤激光器", service_region_codes=["510600"])
        )
        elsewhere = await _search(client, "products", q="激光切割", region_code="510700")
        assert elsewhere["items"] == []
        assert elsewhere["term_matching"] == {"strategy": "all", "dropped_terms": []}
        nothing = await _search(client, "products", q="量子 激光")
        assert nothing["items"] == [] and nothing["term_matching"]["dropped_terms"] == []

    async def test_later_pages_keep_the_words_the_first_page_kept(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        made = {
            (await listed_product(client, supplier, admin, **_neutral(f"光纤激光器{i}号")))["id"]
            for i in range(3)
        }
        first = await _search(client, "products", q="激光切割", limit=2)
        assert first["next_cursor"] is not None
        second = await _search(client, "products", q="激光切割", limit=2, cursor=first["next_cursor"])
        assert {item["id"] for item in first["items"] + second["items"]} == made
        assert (
            second["term_matching"]
            == first["term_matching"]
            == {"strategy": "last", "dropped_terms": ["切割"]}
        )
        assert second["next_cursor"] is None

    async def test_demands_too(self, client: httpx.AsyncClient, enterprise: Account) -> None:
        demand = await published_demand(client, enterprise, title="隧道窑节能改造")
        body = await _search(client, "demands", q="隧道窑 量子计算")
        assert demand["id"] in [item["id"] for item in body["items"]]
        assert body["term_matching"]["strategy"] == "last"
        assert "".join(body["term_matching"]["dropped_terms"]) == "量子计算"


class TestChineseEnglishSynonyms:
    """The catalog's main equipment words find their products in either language."""

    @pytest.mark.parametrize(
        ("name", "query"),
        [
            ("Fiber laser cutting machine", "激光切割"),
            ("大功率光纤激光器", "laser"),
            ("Horizontal machine tool", "机床"),
            ("重型卧式机床", "machine tool"),
            ("CNC lathe", "数控车床"),
            ("Six-axis welding robot", "机器人"),
            ("六轴焊接机器人", "robot"),
            ("Variable frequency drive", "变频器"),
            ("矢量变频器", "VFD"),
            ("Pressure sensor", "传感器"),
            ("温度传感器", "sensor"),
            ("Photovoltaic module laminator", "光伏"),
            ("光伏组件层压机", "PV"),
            ("Steam boiler", "锅炉"),
            ("燃气锅炉", "boiler"),
            ("Screw air compressor", "空压机"),
            ("螺杆空压机", "Air Compressor"),
            ("Energy storage cabinet", "储能"),
            ("储能变流柜", "energy storage"),
        ],
    )
    async def test_a_word_finds_its_product_in_the_other_language(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account, name: str, query: str
    ) -> None:
        product = await listed_product(client, supplier, admin, **_neutral(name))
        body = await _search(client, "products", q=query)
        assert product["id"] in [item["id"] for item in body["items"]]
        assert body["term_matching"] == {"strategy": "all", "dropped_terms": []}

    async def test_a_multi_word_synonym_needs_all_its_words(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        compressor = await listed_product(client, supplier, admin, **_neutral("Screw air compressor"))
        air_knife = await listed_product(client, supplier, admin, **_neutral("Air knife dryer"))
        found = await _ids(client, "products", q="空压机")
        assert compressor["id"] in found and air_knife["id"] not in found

    async def test_a_short_abbreviation_is_a_whole_word_not_a_prefix(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        # 光伏 ↔ PV, but PVC pipe is no solar equipment.
        pvc = await listed_product(client, supplier, admin, **_neutral("PVC管材挤出机"))
        panel = await listed_product(client, supplier, admin, **_neutral("PV module laminator"))
        for query in ("光伏", "光伏设备"):
            found = await _ids(client, "products", q=query)
            assert panel["id"] in found and pvc["id"] not in found, query


class TestSearchRateLimit:
    async def test_each_address_gets_its_allowance_and_then_a_429_with_retry_after(
        self, app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
    ) -> None:
        app.state.settings.search_requests_per_client_per_minute = 3
        for path in ("/search/products", "/search/demands", "/search/providers"):
            assert (await client.get(path, params={"q": "机床"})).status_code == 200
        refused = await client.get("/search/financing-products")
        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 60 and refused.json()["retry_after"] == wait
        # The count is PostgreSQL's, where every API process reads it (the refused attempt counts too).
        bucket = await db.get(RateLimitBucket, "search:client:203.0.113.10")
        assert bucket is not None and bucket.count == 4

        elsewhere = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("198.51.100.20", 1234)),
            base_url="http://test/api/v1",
        )
        async with elsewhere:
            assert (await elsewhere.get("/search/products")).status_code == 200

        # A new window, a new allowance.
        bucket.window_ends_at = utcnow()
        await db.commit()
        assert (await client.get("/search/products")).status_code == 200
