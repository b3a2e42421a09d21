from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.cache import CatalogCache
from app.catalog.schemas import (
    EnumLabels,
    EquipmentCategoryList,
    FinancingTypeList,
    IndustryList,
    RegionList,
    TaskTypeList,
)
from app.models.catalog import TaskType
from seed.catalog import DATA_DIR

TASK_TYPES = {"line_upgrade", "smart_digital", "environmental", "safety", "micro"}


def _source(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(DATA_DIR) / f"{name}.json").read_text(encoding="utf-8"))
    return data


class TestRegions:
    async def test_lists_the_21_prefectures_by_gb_t_2260_code(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/catalog/regions")
        assert response.status_code == 200
        items = response.json()["items"]
        assert len(items) == 21
        by_code = {r["code"]: r["name"] for r in items}
        assert by_code["510100"] == "成都市"
        assert by_code["513400"] == "凉山彝族自治州"
        assert "next_cursor" not in response.json()  # catalog lists come whole

    async def test_is_cacheable_and_utf8(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/catalog/regions")
        assert "max-age" in response.headers["cache-control"]
        assert "成都市".encode() in response.content


class TestIndustries:
    async def test_tree_is_complete_and_maps_plan_industries(self, client: httpx.AsyncClient) -> None:
        items = (await client.get("/catalog/industries")).json()["items"]
        codes = {i["code"] for i in items}
        assert all(i["parent_code"] is None or i["parent_code"] in codes for i in items)
        with_terms = [i for i in items if i["plan_terms"]]
        assert len(with_terms) >= 25
        terms = {t for i in items for t in i["plan_terms"]}
        for named in ("光伏", "动力电池", "白酒", "水泥", "化工", "钢铁"):
            assert any(named in t for t in terms), named


class TestEquipmentCategories:
    async def test_tree_covers_the_plan_with_task_types(self, client: httpx.AsyncClient) -> None:
        items = (await client.get("/catalog/equipment-categories")).json()["items"]
        assert len(items) >= 60
        codes = {c["code"] for c in items}
        for c in items:
            assert c["task_types"], c["code"]
            assert set(c["task_types"]) <= TASK_TYPES
            if c["parent_code"] is not None:
                assert c["parent_code"] in codes
                assert c["code"].startswith(c["parent_code"] + ".")
        names = " ".join(c["name"] for c in items)
        for equipment in (
            "单晶炉",
            "卷绕机",
            "注液机",
            "分容柜",
            "数控加工中心",
            "篦冷机",
            "喷气织机",
            "工业机器人",
            "数字孪生",
            "反应器",
            "精馏塔",
            "储罐",
            "紧急停车",
            "余热发电",
            "制氢",
        ):
            assert equipment in names, equipment

    async def test_every_file_entry_is_served(self, client: httpx.AsyncClient) -> None:
        items = (await client.get("/catalog/equipment-categories")).json()["items"]
        assert {c["code"] for c in items} == {c["code"] for c in _source("equipment_categories")["items"]}


class TestTaskAndFinancingTypes:
    async def test_five_task_types_in_plan_order(self, client: httpx.AsyncClient) -> None:
        items = (await client.get("/catalog/task-types")).json()["items"]
        assert [t["code"] for t in items] == [
            "line_upgrade",
            "smart_digital",
            "environmental",
            "safety",
            "micro",
        ]

    async def test_four_loans_and_the_relending_programme(self, client: httpx.AsyncClient) -> None:
        items = (await client.get("/catalog/financing-types")).json()["items"]
        by_code = {f["code"]: f["name"] for f in items}
        assert by_code["tech_upgrade_loan"] == "技改贷"
        assert by_code["renewal_loan"] == "更新贷"
        assert by_code["specialized_sme_loan"] == "专精特新贷"
        assert by_code["manufacturing_benefit_loan"] == "制惠贷"
        assert any("再贷款" in name for name in by_code.values())


class TestServedFromMemory:
    """Reference data is read once per process and served from memory until CATALOG_CACHE_SECONDS pass."""

    async def test_a_second_read_does_not_touch_the_database(
        self, client: httpx.AsyncClient, db: AsyncSession
    ) -> None:
        first = await client.get("/catalog/task-types")
        await db.execute(update(TaskType).where(TaskType.code == "micro").values(name="改过的名称"))
        await db.flush()
        second = await client.get("/catalog/task-types")
        assert second.status_code == 200
        assert second.content == first.content
        assert "改过的名称" not in second.text
        assert second.headers["etag"] == first.headers["etag"]
        assert second.headers["cache-control"] == "public, max-age=3600"

    async def test_read_again_once_stale(
        self, client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
    ) -> None:
        app.state.catalog_cache = CatalogCache(ttl_seconds=0)
        first = await client.get("/catalog/task-types")
        await db.execute(update(TaskType).where(TaskType.code == "micro").values(name="改过的名称"))
        await db.flush()
        second = await client.get("/catalog/task-types")
        names = {t["code"]: t["name"] for t in second.json()["items"]}
        assert names["micro"] == "改过的名称"
        assert second.headers["etag"] != first.headers["etag"]

    async def test_if_none_match_gets_a_304_for_every_list(self, client: httpx.AsyncClient) -> None:
        for path in (
            "/catalog/regions",
            "/catalog/industries",
            "/catalog/equipment-categories",
            "/catalog/task-types",
            "/catalog/financing-types",
            "/catalog/labels",
        ):
            first = await client.get(path)
            assert first.status_code == 200, path
            again = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
            assert again.status_code == 304, path
            assert again.content == b""
            assert again.headers["etag"] == first.headers["etag"]

    async def test_bodies_match_their_declared_schemas(self, client: httpx.AsyncClient) -> None:
        for path, model in (
            ("/catalog/regions", RegionList),
            ("/catalog/industries", IndustryList),
            ("/catalog/equipment-categories", EquipmentCategoryList),
            ("/catalog/task-types", TaskTypeList),
            ("/catalog/financing-types", FinancingTypeList),
            ("/catalog/labels", EnumLabels),
        ):
            response = await client.get(path)
            assert response.headers["content-type"] == "application/json", path
            model.model_validate_json(response.content)
