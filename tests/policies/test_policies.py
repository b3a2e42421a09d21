"""Policies as data: seeded from the plan with each value's source, managed by province and 市州 operators,
read by matching (`kind=policy`) for the demands of their region."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.service import load_reference_data
from seed.catalog import catalog_rows
from tests.fixtures.factories import Account, create_demand, operator_account, vetted_account

DEYANG, JINGYANG, YIBIN = "510600", "510603", "511500"
LOCAL = {
    "title": "德阳市智能化改造专项资金",
    "region_code": DEYANG,
    "task_types": ["smart_digital"],
    "support_form": "grant",
    "rate_pct": 8,
    "cap_cny": 1_000_000,
    "valid_from": "2025-01-01",
    "valid_to": "2027-12-31",
    "source_document": "德阳市支持制造业智能化改造若干措施（示例文件，虚构）",
    "source_article": "第三条",
}


async def _policies(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/policies", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestSeeded:
    async def test_the_plans_programmes_with_their_sources(self, client: httpx.AsyncClient) -> None:
        items = {p["code"]: p for p in await _policies(client)}
        project = items["sc-renewal-subsidy-project"]
        assert project["support_form"] == "grant" and project["region_code"] == "510000"
        assert project["rate_pct"] == 5 and project["cap_cny"] == 5_000_000
        assert "川经信规划〔2024〕73号" in project["source_document"] and project["source_article"]
        assert items["special-equipment-tax-credit"]["support_form"] == "tax"
        assert items["renewal-loan-interest-subsidy"]["support_form"] == "interest_subsidy"
        forms = {p["support_form"] for p in await _policies(client, support_form="grant")}
        assert forms == {"grant"}

    async def test_an_operators_edit_survives_a_reseed(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        items = {p["code"]: p for p in await _policies(client)}
        project = items["sc-renewal-subsidy-project"]
        edited = await client.patch(f"/policies/{project['id']}", json={"rate_pct": 6}, headers=admin.headers)
        assert edited.status_code == 200, edited.text
        assert edited.json()["benefit"]["rate"] == 0.06 and edited.json()["version"] == 2
        await load_reference_data(db, catalog_rows())
        await db.commit()
        again = (await client.get(f"/policies/{project['id']}")).json()
        assert again["rate_pct"] == 6


class TestManaging:
    async def test_province_and_city_operators_each_manage_theirs(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        province = await operator_account(client, db, admin, region_code="510000", level="province")
        deyang = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        yibin = await operator_account(client, db, admin, region_code=YIBIN, level="city")
        county = await operator_account(client, db, admin, region_code=JINGYANG, level="county")
        created = await client.post("/policies", json=LOCAL, headers=deyang.headers)
        assert created.status_code == 201, created.text
        policy = created.json()
        assert policy["benefit"]["rule"] == "share_of_investment" and policy["benefit"]["rate"] == 0.08
        assert policy["conditions"]["task_types"] == ["smart_digital"] and policy["in_force"] is True
        provincial = await client.post(
            "/policies", json=LOCAL | {"region_code": "510000", "title": "省级"}, headers=province.headers
        )
        assert provincial.status_code == 201
        not_theirs = await client.post(
            "/policies", json=LOCAL | {"region_code": "510000"}, headers=deyang.headers
        )
        assert not_theirs.status_code == 422 and not_theirs.json()["errors"][0]["loc"] == [
            "body",
            "region_code",
        ]
        assert (await client.post("/policies", json=LOCAL, headers=county.headers)).status_code == 403
        a_county = await client.post(
            "/policies", json=LOCAL | {"region_code": JINGYANG}, headers=province.headers
        )
        assert a_county.status_code == 422
        elsewhere = await client.patch(
            f"/policies/{policy['id']}", json={"rate_pct": 50}, headers=yibin.headers
        )
        assert elsewhere.status_code == 404
        by_province = await client.patch(
            f"/policies/{policy['id']}", json={"cap_cny": 2_000_000}, headers=province.headers
        )
        assert by_province.status_code == 200 and by_province.json()["benefit"]["cap_cny"] == 2_000_000
        stored = (await client.get(f"/policies/{policy['id']}")).json()
        assert stored["rate_pct"] == 8  # the 宜宾 operator's edit was refused, nothing written
        in_deyang = {p["id"] for p in await _policies(client, region_code=JINGYANG)}
        assert policy["id"] in in_deyang and provincial.json()["id"] in in_deyang
        assert policy["id"] not in {p["id"] for p in await _policies(client, region_code=YIBIN)}

    async def test_bad_policies(self, client: httpx.AsyncClient, admin: Account) -> None:
        for body, field in (
            (LOCAL | {"valid_to": "2024-12-31"}, "valid_to"),
            (LOCAL | {"support_form": "loan"}, "support_form"),
            (LOCAL | {"industry_codes": ["Z99"]}, "industry_codes"),
            (LOCAL | {"rate_pct": 120}, "rate_pct"),
            (LOCAL | {"source_document": ""}, "source_document"),
        ):
            response = await client.post("/policies", json=body, headers=admin.headers)
            assert response.status_code == 422, body
            assert field in response.json()["errors"][0]["loc"], (field, response.json())
        policy = (await client.post("/policies", json=LOCAL, headers=admin.headers)).json()
        backwards = await client.patch(
            f"/policies/{policy['id']}", json={"valid_from": "2028-01-01"}, headers=admin.headers
        )
        assert backwards.status_code == 422 and backwards.json()["errors"][0]["loc"] == ["body", "valid_from"]


class TestMatching:
    async def test_a_citys_policy_is_suggested_to_its_demands_only(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account
    ) -> None:
        policy = (await client.post("/policies", json=LOCAL, headers=admin.headers)).json()
        here = await vetted_account(client, admin, region_code=JINGYANG)
        demand = await create_demand(
            client,
            here,
            region_code=JINGYANG,
            task_type="smart_digital",
            category_codes=["smart.cnc_machine_tool"],
        )
        found = await client.get(
            f"/demands/{demand['id']}/matches", params={"kind": "policy", "limit": 50}, headers=here.headers
        )
        assert found.status_code == 200, found.text
        local = next(m for m in found.json()["items"] if m["target"]["id"] == policy["id"])
        assert local["estimate"]["benefit_cny"] == 800_000  # 8% of the 10 million budget midpoint
        chengdu = await create_demand(
            client, enterprise, task_type="smart_digital", category_codes=["smart.cnc_machine_tool"]
        )
        elsewhere = await client.get(
            f"/demands/{chengdu['id']}/matches",
            params={"kind": "policy", "limit": 50},
            headers=enterprise.headers,
        )
        assert policy["id"] not in {m["target"]["id"] for m in elsewhere.json()["items"]}
