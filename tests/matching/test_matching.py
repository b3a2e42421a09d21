"""Matching through the API: every kind ranked with its reasons, the hard filters, the plan's priority
rules, owners' feedback, a supplier's matching demands, and notifications when a demand is published."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.matching.weights import FINANCING_WEIGHTS, PRODUCT_WEIGHTS, PROVIDER_WEIGHTS
from app.models import MatchFeedback, Notification
from tests.fixtures.factories import (
    Account,
    create_demand,
    financing_payload,
    listed_product,
    product_payload,
    published_demand,
    register_account,
    vet,
    vetted_account,
)

FURNACE = "photovoltaic.monocrystal_furnace"


async def matches(
    client: httpx.AsyncClient, owner: Account, demand_id: str, kind: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"/demands/{demand_id}/matches", params={"kind": kind, **params}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_explained(item: dict[str, Any], weights: dict[str, float] | Any) -> None:
    factors = {r["factor"]: r for r in item["reasons"]}
    assert set(factors) == set(weights)
    assert sum(r["weight"] for r in item["reasons"]) == pytest.approx(1.0)
    assert item["score"] == pytest.approx(sum(r["weight"] * r["value"] for r in item["reasons"]), abs=1e-3)
    assert 0 <= item["score"] <= 1
    assert all(r["detail"] and 0 <= r["value"] <= 1 for r in item["reasons"])


class TestProductMatches:
    async def test_ranked_with_reasons_and_hard_filters(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account
    ) -> None:
        demand = await published_demand(client, enterprise)  # 单晶炉, 乐山 511100, grade 2 required
        best = await listed_product(client, supplier, admin, energy_grade=1)
        poor = await listed_product(
            client,
            supplier,
            admin,
            name="单晶炉",
            energy_grade=3,
            price_min_cny=9_000_000,
            price_max_cny=9_900_000,
        )
        elsewhere = await listed_product(client, supplier, admin, service_region_codes=["513300"])
        other_category = await listed_product(
            client, supplier, admin, name="单晶炉配套PECVD", category_code="photovoltaic.pecvd"
        )

        body = await matches(client, enterprise, demand["id"], "product")
        ids = [i["target"]["id"] for i in body["items"]]
        assert ids.index(best["id"]) < ids.index(poor["id"])
        assert elsewhere["id"] not in ids and other_category["id"] not in ids
        top = body["items"][0]
        assert top["kind"] == "product" and top["target"] == {"id": best["id"], "name": best["name"]}
        assert_explained(top, PRODUCT_WEIGHTS)
        reasons = {r["factor"]: r for r in top["reasons"]}
        assert reasons["category"]["value"] == 1 and "大热场单晶炉" in reasons["category"]["detail"]
        assert reasons["energy"]["value"] == 1
        low = {r["factor"]: r for r in body["items"][ids.index(poor["id"])]["reasons"]}
        assert low["energy"]["value"] == 0 and "达不到" in low["energy"]["detail"]
        assert low["price"]["value"] < 1 and "超出" in low["price"]["detail"]
        assert top["product"]["supplier"]["id"] == supplier.organization_id

    async def test_products_under_the_demands_category_match(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account
    ) -> None:
        demand = await published_demand(client, enterprise, category_codes=["photovoltaic"])
        product = await listed_product(client, supplier, admin)
        body = await matches(client, enterprise, demand["id"], "product")
        item = next(i for i in body["items"] if i["target"]["id"] == product["id"])
        category = next(r for r in item["reasons"] if r["factor"] == "category")
        assert category["value"] == 0.85 and "光伏设备" in category["detail"]

    async def test_bad_requests(
        self, client: httpx.AsyncClient, enterprise: Account, db: AsyncSession
    ) -> None:
        demand = await create_demand(client, enterprise)
        stranger = await register_account(client, "enterprise")
        response = await client.get(
            f"/demands/{demand['id']}/matches", params={"kind": "product"}, headers=stranger.headers
        )
        assert response.status_code == 404
        response = await client.get(
            f"/demands/{demand['id']}/matches", params={"kind": "banks"}, headers=enterprise.headers
        )
        assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["query", "kind"]
        await db.execute(
            text("UPDATE demands SET category_codes = '{}' WHERE id = :id"), {"id": uuid.UUID(demand["id"])}
        )
        response = await client.get(
            f"/demands/{demand['id']}/matches", params={"kind": "product"}, headers=enterprise.headers
        )
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "category" in response.json()["detail"]


class TestProviderMatches:
    async def test_types_industries_and_regions(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account
    ) -> None:
        case = {"title": "某光伏企业单晶炉车间技改设计", "year": 2023, "industry_code": "C3825"}
        profile = {
            "services": ["光伏电池片产线技改设计", "可行性研究报告编制"],
            "industry_codes": ["C3825"],
            "service_region_codes": ["511100"],
            "cases": [case],
            "qualifications": [{"name": "电子通信广电行业乙级"}],
        }
        fits = await register_account(
            client, "provider", provider_types=["engineering_firm"], profile=profile
        )
        generic = await register_account(
            client, "provider", provider_types=["engineering_firm"], profile={"industry_codes": ["C1512"]}
        )
        far = await register_account(
            client,
            "provider",
            provider_types=["engineering_firm"],
            region_code="513300",
            profile={**profile, "service_region_codes": ["513300"]},
        )
        design_only = await register_account(
            client, "provider", provider_types=["design_institute"], profile=profile
        )
        pending = await register_account(
            client, "provider", provider_types=["engineering_firm"], profile=profile
        )
        for account in (fits, generic, far, design_only):
            await vet(client, admin, account.organization_id)
        demand = await published_demand(client, enterprise)  # needs engineering, not design
        body = await matches(client, enterprise, demand["id"], "provider")
        ids = [i["target"]["id"] for i in body["items"]]
        assert ids[0] == fits.organization_id and generic.organization_id in ids
        assert ids.index(fits.organization_id) < ids.index(generic.organization_id)
        for absent in (far, design_only, pending):
            assert absent.organization_id not in ids
        assert_explained(body["items"][0], PROVIDER_WEIGHTS)
        cases = next(r for r in body["items"][0]["reasons"] if r["factor"] == "cases")
        assert "单晶炉车间技改设计" in cases["detail"]


class TestFinancingMatches:
    async def test_eligible_ranked_by_cost_and_near_misses_name_the_failed_condition(
        self, client: httpx.AsyncClient, enterprise: Account, bank: Account
    ) -> None:
        async def product(**over: Any) -> str:
            response = await client.post(
                "/financing-products", headers=bank.headers, json=financing_payload(**over)
            )
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        cheap = await product(name="技改贷·低息", rate_min_pct=2.4)
        dear = await product(name="技改贷·标准", rate_min_pct=3.4, relending_eligible=False)
        too_small = await product(name="小额贷", amount_max_cny=2_000_000)
        wrong_region = await product(name="成都专享", region_codes=["510100"])
        two_failures = await product(name="双不符", region_codes=["510100"], task_types=["safety"])
        demand = await published_demand(client, enterprise)  # 5,000,000 over 36 months, 乐山, line_upgrade
        body = await matches(client, enterprise, demand["id"], "financing")
        ids = [i["target"]["id"] for i in body["items"]]
        assert ids[:2] == [cheap, dear]
        assert_explained(body["items"][0], FINANCING_WEIGHTS)
        assert body["items"][0]["relending_eligible"] is True
        near = {n["target"]["id"]: n["failed"] for n in body["near_misses"]}
        assert near[too_small]["condition"] == "amount" and "额度" in near[too_small]["detail"]
        assert near[wrong_region]["condition"] == "region"
        assert two_failures not in near and two_failures not in ids


class TestPolicyMatches:
    async def test_policies_with_sources_estimates_and_rules(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await published_demand(
            client, enterprise
        )  # line_upgrade, budget 8-12 million, financing 5m/36m
        body = await matches(client, enterprise, demand["id"], "policy", limit=100)
        items = {i["target"]["id"]: i for i in body["items"]}
        assert "sc-renewal-subsidy-project" in items and "sc-renewal-subsidy-factor" not in items
        assert "special-equipment-tax-credit" not in items  # not environmental or safety equipment
        subsidy = items["sc-renewal-subsidy-project"]["estimate"]
        assert subsidy["is_estimate"] is True and subsidy["label"] == "估算"
        assert subsidy["benefit_cny"] == 500_000  # 5% of the 10 million midpoint
        assert "5%" in subsidy["rule"] and subsidy["assumption"]
        interest = items["renewal-loan-interest-subsidy"]["estimate"]
        assert interest["benefit_cny"] == 100_000  # 5 million × 1 point × 24 months
        source = items["sc-renewal-subsidy-project"]["source"]
        assert "川经信规划〔2024〕73号" in source["document"] and source["issued_on"] == "2024-05-15"
        for item in body["items"]:
            assert_explained(item, {r["factor"]: r["weight"] for r in item["reasons"]})

        safety = await published_demand(
            client,
            enterprise,
            task_type="safety",
            category_codes=["safety.chemical_renewal.reactor"],
            budget_min_cny=1_000_000,
            budget_max_cny=3_000_000,
            needs={"equipment": True, "design": False, "engineering": False},
            old_equipment={"age_years": 15},
            required_energy_grade=None,
        )
        body = await matches(client, enterprise, safety["id"], "policy", limit=100)
        items = {i["target"]["id"]: i for i in body["items"]}
        assert items["special-equipment-tax-credit"]["estimate"]["benefit_cny"] == 200_000
        assert "sc-renewal-subsidy-factor" in items and "renewal-loan-interest-subsidy" not in items
        assert {r["factor"] for r in items["special-equipment-tax-credit"]["reasons"]} >= {
            "scope",
            "priority",
        }

    async def test_policy_list_is_public(self, client: httpx.AsyncClient) -> None:
        items = (await client.get("/policies")).json()["items"]
        assert len(items) >= 6
        assert all(p["source"]["document"] and p["valid_from"] and p["benefit"]["assumption"] for p in items)


class TestPriorityRules:
    async def test_flags_are_shown_and_raise_the_score(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account
    ) -> None:
        tool = await create_demand(
            client,
            enterprise,
            task_type="smart_digital",
            category_codes=["smart.cnc_machine_tool"],
            old_equipment={"age_years": 12, "below_energy_baseline": True},
            required_energy_grade=None,
        )
        assert tool["priority"]["level"] == "high"
        assert {f["code"] for f in tool["priority"]["flags"]} == {"old_machine_tool", "below_energy_baseline"}
        young = await create_demand(
            client,
            enterprise,
            task_type="smart_digital",
            category_codes=["smart.cnc_machine_tool"],
            old_equipment={"age_years": 8},
            required_energy_grade=2,
        )
        assert young["priority"] == {"level": "normal", "flags": []}
        tank = await create_demand(
            client,
            enterprise,
            category_codes=["safety.chemical_renewal.storage_tank"],
            old_equipment={"age_years": 20},
        )
        assert [f["code"] for f in tank["priority"]["flags"]] == ["old_safety_critical"]
        product = await listed_product(
            client,
            supplier,
            admin,
            category_code="smart.cnc_machine_tool",
            name="五轴数控机床",
            energy_grade=3,
        )
        flagged = await matches(client, enterprise, tool["id"], "product")
        plain = await matches(client, enterprise, young["id"], "product")
        f_item = next(i for i in flagged["items"] if i["target"]["id"] == product["id"])
        p_item = next(i for i in plain["items"] if i["target"]["id"] == product["id"])
        f_reasons = {r["factor"]: r for r in f_item["reasons"]}
        assert f_reasons["priority"]["value"] == 1
        # Below the baseline and no stated requirement: grade 2 or better is expected, so grade 3 fails.
        assert f_reasons["energy"]["value"] == 0 and "能效基准" in f_reasons["energy"]["detail"]
        assert flagged["demand"]["priority"]["level"] == "high"
        p_reasons = {r["factor"]: r for r in p_item["reasons"]}
        assert p_reasons["priority"]["value"] == 0 and p_reasons["energy"]["value"] == 0
        # Everything else equal (grade 2 asked outright there, implied by the baseline here): the flags
        # add exactly the priority weight.
        assert f_item["score"] - p_item["score"] == pytest.approx(PRODUCT_WEIGHTS["priority"], abs=1e-3)
        overdue = await create_demand(
            client,
            enterprise,
            task_type="safety",
            category_codes=["safety.obsolete_replacement.overdue_equipment"],
            old_equipment={"age_years": 15},
        )
        assert overdue["priority"]["flags"] == []  # old, but neither a machine tool nor safety-critical


class TestFeedback:
    async def test_shortlist_dismiss_clear_are_stored_and_shape_the_list(
        self,
        client: httpx.AsyncClient,
        admin: Account,
        enterprise: Account,
        supplier: Account,
        db: AsyncSession,
    ) -> None:
        demand = await published_demand(client, enterprise)
        one = await listed_product(client, supplier, admin)
        two = await listed_product(client, supplier, admin, name="单晶炉二号")

        async def feedback(target: str, action: str, who: Account = enterprise) -> httpx.Response:
            return await client.post(
                f"/demands/{demand['id']}/matches/feedback",
                headers=who.headers,
                json={"kind": "product", "target_id": target, "action": action},
            )

        response = await feedback(one["id"], "shortlist")
        assert response.status_code == 201 and response.json()["rank"] in (1, 2)
        assert response.json()["score"] > 0
        assert (await feedback(two["id"], "dismiss")).status_code == 201
        body = await matches(client, enterprise, demand["id"], "product")
        by_id = {i["target"]["id"]: i for i in body["items"]}
        assert by_id[one["id"]]["feedback"] == "shortlist" and two["id"] not in by_id
        everything = await matches(client, enterprise, demand["id"], "product", include_dismissed="true")
        assert {i["target"]["id"]: i["feedback"] for i in everything["items"]}[two["id"]] == "dismiss"
        assert (await feedback(two["id"], "clear")).status_code == 201
        body = await matches(client, enterprise, demand["id"], "product")
        assert two["id"] in [i["target"]["id"] for i in body["items"]]
        events = (
            await db.scalars(select(MatchFeedback).where(MatchFeedback.demand_id == uuid.UUID(demand["id"])))
        ).all()
        assert sorted(e.action for e in events) == ["clear", "dismiss", "shortlist"]
        # Shortlisting and dismissing keep the match's score, rank and reasons at that moment.
        assert all(e.reasons and e.score and e.rank for e in events if e.action != "clear")

        assert (await feedback(str(uuid.uuid4()), "dismiss")).status_code == 422
        draft = await client.post(
            "/products", headers=supplier.headers, json={**product_payload(), "name": "未上架单晶炉"}
        )
        assert (await feedback(draft.json()["id"], "shortlist")).status_code == 422
        assert (await feedback(enterprise.organization_id, "shortlist")).status_code == 422  # not a product

        bad = await client.post(
            f"/demands/{demand['id']}/matches/feedback",
            headers=enterprise.headers,
            json={"kind": "product", "target_id": one["id"], "action": "love"},
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "action"]
        assert (await feedback(one["id"], "dismiss", admin)).status_code == 403
        stranger = await vetted_account(client, admin, "enterprise")
        assert (await feedback(one["id"], "dismiss", stranger)).status_code == 404


class TestReverseMatching:
    async def test_a_supplier_sees_the_demands_its_product_fits(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account
    ) -> None:
        product = await listed_product(client, supplier, admin)
        fits = await published_demand(client, enterprise)
        other = await published_demand(client, enterprise, category_codes=["photovoltaic.pecvd"])
        far = await published_demand(client, enterprise, region_code="513300")
        draft = await create_demand(client, enterprise)
        response = await client.get(f"/products/{product['id']}/matching-demands", headers=supplier.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        ids = [i["target"]["id"] for i in body["items"]]
        assert fits["id"] in ids
        assert other["id"] not in ids and far["id"] not in ids and draft["id"] not in ids
        item = body["items"][ids.index(fits["id"])]
        assert item["kind"] == "demand" and item["target"]["name"] == fits["title"]
        assert_explained(item, PRODUCT_WEIGHTS)
        rival = await vetted_account(client, admin, "supplier")
        response = await client.get(f"/products/{product['id']}/matching-demands", headers=rival.headers)
        assert response.status_code == 404

        # The demand's owner dismissing the product keeps the demand off the product's list.
        await client.post(
            f"/demands/{fits['id']}/matches/feedback",
            headers=enterprise.headers,
            json={"kind": "product", "target_id": product["id"], "action": "dismiss"},
        )
        response = await client.get(f"/products/{product['id']}/matching-demands", headers=supplier.headers)
        assert fits["id"] not in [i["target"]["id"] for i in response.json()["items"]]


class TestNotifications:
    async def test_publishing_notifies_suppliers_and_providers_above_the_threshold(
        self,
        client: httpx.AsyncClient,
        admin: Account,
        enterprise: Account,
        supplier: Account,
        db: AsyncSession,
    ) -> None:
        await listed_product(client, supplier, admin)
        unrelated = await vetted_account(client, admin, "supplier")
        await listed_product(
            client, unrelated, admin, category_code="smart.industrial_robot", name="六轴工业机器人"
        )
        profile = {"services": ["单晶炉车间工程实施"], "industry_codes": ["C3825"], "cases": []}
        builder = await register_account(
            client, "provider", provider_types=["engineering_firm"], profile=profile
        )
        await vet(client, admin, builder.organization_id)

        demand = await published_demand(client, enterprise)
        inbox = (await client.get("/notifications", headers=supplier.headers)).json()["items"]
        mine = [
            n for n in inbox if n["data"].get("demand_id") == demand["id"] and n["kind"] == "demand_match"
        ]
        assert len(mine) == 1 and mine[0]["kind"] == "demand_match" and mine[0]["data"]["score"] >= 0.6
        assert "大热场单晶炉" in mine[0]["title"]
        theirs = (await client.get("/notifications", headers=unrelated.headers)).json()["items"]
        assert [n for n in theirs if n["kind"] == "demand_match"] == []
        built = (await client.get("/notifications", headers=builder.headers)).json()["items"]
        built = [n for n in built if n["kind"] == "demand_match"]
        assert [n["data"]["match_kind"] for n in built] == ["provider"]

        read = await client.post(f"/notifications/{mine[0]['id']}/read", headers=supplier.headers)
        assert read.status_code == 200 and read.json()["read_at"]
        unread = (
            await client.get("/notifications", params={"unread": "true"}, headers=supplier.headers)
        ).json()
        assert mine[0]["id"] not in [n["id"] for n in unread["items"]]
        stolen = await client.post(f"/notifications/{mine[0]['id']}/read", headers=unrelated.headers)
        assert stolen.status_code == 404
        stored = await db.scalar(select(Notification).where(Notification.id == uuid.UUID(mine[0]["id"])))
        assert stored is not None and stored.read_at is not None


async def test_feedback_honours_idempotency_keys(
    client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account, db: AsyncSession
) -> None:
    demand = await published_demand(client, enterprise)
    product = await listed_product(client, supplier, admin)
    headers = {**enterprise.headers, "Idempotency-Key": "fb-1"}
    body = {"kind": "product", "target_id": product["id"], "action": "shortlist"}
    first = await client.post(f"/demands/{demand['id']}/matches/feedback", headers=headers, json=body)
    again = await client.post(f"/demands/{demand['id']}/matches/feedback", headers=headers, json=body)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = await client.post(
        f"/demands/{demand['id']}/matches/feedback", headers=headers, json={**body, "action": "dismiss"}
    )
    assert other.status_code == 422
    count = await db.scalar(
        select(func.count())
        .select_from(MatchFeedback)
        .where(MatchFeedback.demand_id == uuid.UUID(demand["id"]))
    )
    assert count == 1


async def test_a_passed_start_date_and_a_zero_lead_time_do_not_break_scoring(
    client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account, db: AsyncSession
) -> None:
    product = await listed_product(client, supplier, admin, lead_time_days=0)
    demand = await published_demand(client, enterprise, expected_start="2099-01-01")
    await db.execute(
        text("UPDATE demands SET expected_start = DATE '2020-01-01' WHERE id = :id"),
        {"id": uuid.UUID(demand["id"])},
    )
    body = await matches(client, enterprise, demand["id"], "product")
    item = next(i for i in body["items"] if i["target"]["id"] == product["id"])
    lead = next(r for r in item["reasons"] if r["factor"] == "lead_time")
    assert lead["value"] == 0 and "已过" in lead["detail"]
    response = await client.get(f"/products/{product['id']}/matching-demands", headers=supplier.headers)
    assert response.status_code == 200


async def test_a_long_product_name_still_gets_its_supplier_notified(
    client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account
) -> None:
    await listed_product(client, supplier, admin, name="大热场单晶炉" + "加长型号说明" * 32)
    demand = await published_demand(client, enterprise)
    inbox = (await client.get("/notifications", headers=supplier.headers)).json()["items"]
    mine = [n for n in inbox if n["data"].get("demand_id") == demand["id"] and n["kind"] == "demand_match"]
    assert len(mine) == 1 and len(mine[0]["title"]) <= 200 and "…" in mine[0]["title"]
