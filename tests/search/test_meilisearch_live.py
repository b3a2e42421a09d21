"""Against a real Meilisearch (docker compose gives one): runs only when MEILI_URL is set."""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest

from search.engine import Filter, SearchQuery
from search.meili import MeilisearchEngine
from search.specs import PRODUCTS

pytestmark = pytest.mark.skipif(not os.environ.get("MEILI_URL"), reason="MEILI_URL is not set")


async def test_index_search_filter_facet_and_swap() -> None:
    prefix = f"test_{uuid.uuid4().hex[:6]}_"
    meili = MeilisearchEngine(os.environ["MEILI_URL"], os.environ.get("MEILI_MASTER_KEY"), prefix=prefix)
    uid = await meili.ensure_index(
        PRODUCTS,
        dictionary=["大热场单晶炉", "全自动卷绕机"],
        synonyms={"pecvd": ["管式等离子体淀积炉"], "管式等离子体淀积炉": ["pecvd"]},
    )
    docs = [
        {
            "id": str(uuid.uuid4()),
            "version": 1,
            "name": "大热场单晶炉",
            "model": "TDR-120",
            "model_terms": ["tdr120", "tdr", "120"],
            "region_codes": ["510100"],
            "energy_grade": 1,
            "made_in_sichuan": True,
            "price_min_cny": 1_800_000,
            "listed_ts": 2,
            "category_path": ["photovoltaic"],
        },
        {
            "id": str(uuid.uuid4()),
            "version": 1,
            "name": "全自动卷绕机",
            "model": "JW-800",
            "model_terms": ["jw800", "jw", "800"],
            "region_codes": ["all"],
            "energy_grade": 2,
            "made_in_sichuan": False,
            "price_min_cny": 900_000,
            "listed_ts": 1,
            "category_path": ["battery"],
        },
    ]
    try:
        await meili.upsert(uid, docs)
        assert [h["id"] for h in (await meili.search(PRODUCTS, SearchQuery(q="单晶炉"))).hits] == [
            docs[0]["id"]
        ]
        assert [h["id"] for h in (await meili.search(PRODUCTS, SearchQuery(q="JW-800"))).hits] == [
            docs[1]["id"]
        ]
        filtered = await meili.search(
            PRODUCTS, SearchQuery(q="", filters=[Filter("region_codes", "any", ("510700",))])
        )
        assert [h["id"] for h in filtered.hits] == [docs[1]["id"]]
        assert filtered.facets["made_in_sichuan"] == {"false": 1}
        fresh = await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={}, uid=f"{uid}__fresh")
        await meili.upsert(fresh, docs[:1])
        await meili.swap_in(uid, fresh)
        assert len((await meili.search(PRODUCTS, SearchQuery(q=""))).hits) == 1
    finally:
        for name in (uid, f"{uid}__fresh"):
            with contextlib.suppress(Exception):  # best-effort cleanup
                await meili.wait((await meili._call(meili.client.delete_index, name)).task_uid)


async def test_queries_use_a_search_key_the_equipment_synonyms_and_last() -> None:
    prefix = f"test_{uuid.uuid4().hex[:6]}_"
    master = os.environ.get("MEILI_MASTER_KEY")
    meili = MeilisearchEngine(
        os.environ["MEILI_URL"], master, search_key=os.environ.get("MEILI_SEARCH_KEY"), prefix=prefix
    )
    uid = await meili.ensure_index(PRODUCTS, dictionary=[], synonyms={})
    doc = {
        "id": str(uuid.uuid4()),
        "version": 1,
        "name": "光纤激光打标机",
        "model": "FL-30",
        "model_terms": ["fl30", "fl", "30"],
        "region_codes": ["all"],
        "listed_ts": 1,
        "category_path": ["precision"],
    }
    try:
        await meili.upsert(uid, [doc])
        for q in ("laser", "激光 不存在的词"):
            result = await meili.search(PRODUCTS, SearchQuery(q=q))
            assert [h["id"] for h in result.hits] == [doc["id"]], q
            assert result.term_matching.strategy == "last"
        if master:
            # Meilisearch's Default Search API Key (or MEILI_SEARCH_KEY), never the master key.
            assert (await meili.search_client()).config.api_key != master
    finally:
        with contextlib.suppress(Exception):  # best-effort cleanup
            await meili.wait((await meili._call(meili.client.delete_index, uid)).task_uid)
