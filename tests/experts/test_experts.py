"""The 技改专家智库: the expert pool, a region's review threshold, experts' opinions on 一对一技改方案, and
conflicts of interest (an expert whose organization quotes on the enterprise's demands)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.diagnoses.test_diagnoses import ITEM, VISIT
from tests.fixtures.factories import Account, operator_account, published_demand, vetted_account

DEYANG, JINGYANG, YIBIN = "510600", "510603", "511500"


async def _expert(
    client: httpx.AsyncClient, officer: Account, user: Account, region_code: str = DEYANG, **over: Any
) -> dict[str, Any]:
    body = {
        "user_id": user.user_id,
        "fields": ["数控机床", "节能"],
        "industry_codes": ["C38"],
        "region_code": region_code,
    }
    response = await client.post("/experts", json=body | over, headers=officer.headers)
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


async def _drafted(client: httpx.AsyncClient, officer: Account, company: Account) -> str:
    response = await client.post(
        "/diagnoses",
        json={"organization_id": company.organization_id, "planned_at": "2026-11-20T09:00:00+08:00"},
        headers=officer.headers,
    )
    assert response.status_code == 201, response.text
    diagnosis_id: str = response.json()["id"]
    await client.post(f"/diagnoses/{diagnosis_id}/visits", json=VISIT, headers=officer.headers)
    added = await client.post(f"/diagnoses/{diagnosis_id}/plan-items", json=ITEM, headers=officer.headers)
    assert added.status_code == 201, added.text
    return diagnosis_id


class TestPool:
    async def test_operators_add_experts_of_offices_and_providers(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession, enterprise: Account
    ) -> None:
        officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        provider = await vetted_account(client, admin, "provider")
        added = await _expert(client, officer, provider)
        assert added["organization"]["kind"] == "provider" and added["fields"] == ["数控机床", "节能"]
        again = await client.post(
            "/experts",
            json={"user_id": provider.user_id, "fields": ["x"], "region_code": DEYANG},
            headers=officer.headers,
        )
        assert again.status_code == 409
        for body, field in (
            ({"user_id": enterprise.user_id, "fields": ["x"], "region_code": DEYANG}, "user_id"),
            ({"user_id": officer.user_id, "fields": ["x"], "region_code": YIBIN}, "region_code"),
            (
                {
                    "user_id": officer.user_id,
                    "fields": ["x"],
                    "region_code": DEYANG,
                    "industry_codes": ["Z99"],
                },
                "industry_codes",
            ),
            ({"user_id": officer.user_id, "fields": [], "region_code": DEYANG}, "fields"),
        ):
            response = await client.post("/experts", json=body, headers=officer.headers)
            assert response.status_code == 422, body
            assert field in response.json()["errors"][0]["loc"], (field, response.json())
        assert (
            await client.post(
                "/experts",
                json={"user_id": provider.user_id, "fields": ["x"], "region_code": DEYANG},
                headers=provider.headers,
            )
        ).status_code == 403

    async def test_the_list_by_region_industry_and_field(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        province = await operator_account(client, db, admin, region_code="510000", level="province")
        officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        everywhere = await _expert(
            client, province, await vetted_account(client, admin, "provider"), "510000"
        )
        deyang = await _expert(client, officer, await vetted_account(client, admin, "provider"), JINGYANG)
        yibin = await _expert(
            client, province, await vetted_account(client, admin, "provider"), YIBIN, industry_codes=["C26"]
        )
        listed = (await client.get("/experts", headers=officer.headers)).json()["items"]
        assert {e["id"] for e in listed} == {everywhere["id"], deyang["id"]}
        for_yibin = (
            await client.get("/experts", params={"region_code": YIBIN}, headers=province.headers)
        ).json()
        assert {e["id"] for e in for_yibin["items"]} == {everywhere["id"], yibin["id"]}
        chemicals = (
            await client.get("/experts", params={"industry_code": "C2614"}, headers=province.headers)
        ).json()
        assert yibin["id"] in {e["id"] for e in chemicals["items"]} and deyang["id"] not in {
            e["id"] for e in chemicals["items"]
        }
        by_field = (await client.get("/experts", params={"field": "节能"}, headers=province.headers)).json()
        assert len(by_field["items"]) == 3


class TestReview:
    async def test_a_plan_over_the_threshold_is_delivered_only_once_approved(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        setting = await client.put(
            f"/admin/service-settings/{DEYANG}",
            json={"expert_review_threshold_cny": 1_000_000},
            headers=officer.headers,
        )
        assert setting.status_code == 200, setting.text
        county = (await client.get(f"/admin/service-settings/{JINGYANG}", headers=officer.headers)).json()
        assert county["effective_threshold"] == {"value": 1_000_000, "from_region_code": DEYANG}
        company = await vetted_account(client, admin, region_code=JINGYANG, industry_code="C3825")
        diagnosis_id = await _drafted(client, officer, company)
        seen = (await client.get(f"/diagnoses/{diagnosis_id}", headers=officer.headers)).json()
        assert seen["review_required"] is True
        refused = await client.post(f"/diagnoses/{diagnosis_id}/deliver", headers=officer.headers)
        assert refused.status_code == 409 and refused.json()["code"] == "expert_review_required"
        provider = await vetted_account(client, admin, "provider")
        expert = await _expert(client, officer, provider)
        asked = await client.post(
            f"/diagnoses/{diagnosis_id}/expert-reviews",
            json={"expert_id": expert["id"]},
            headers=officer.headers,
        )
        assert asked.status_code == 201, asked.text
        review = asked.json()
        assert review["status"] == "requested" and review["requested"]["by"]["id"] == officer.user_id
        # The expert finds it, reads the plan, and asks for a revision.
        mine = (await client.get("/expert-reviews", headers=provider.headers)).json()["items"]
        assert [r["id"] for r in mine] == [review["id"]]
        plan = await client.get(f"/diagnoses/{diagnosis_id}", headers=provider.headers)
        assert plan.status_code == 200 and len(plan.json()["plan_items"]) == 1
        stranger = await client.post(
            f"/expert-reviews/{review['id']}/opinion",
            json={"verdict": "approve", "comments": "好"},
            headers=officer.headers,
        )
        assert stranger.status_code == 404
        revise = await client.post(
            f"/expert-reviews/{review['id']}/opinion",
            json={"verdict": "revise", "comments": "数控车床数量偏多，建议分两期"},
            headers=provider.headers,
        )
        assert revise.status_code == 200 and revise.json()["verdict"] == "revise"
        twice = await client.post(
            f"/expert-reviews/{review['id']}/opinion",
            json={"verdict": "approve", "comments": "好"},
            headers=provider.headers,
        )
        assert twice.status_code == 409
        assert (
            await client.post(f"/diagnoses/{diagnosis_id}/deliver", headers=officer.headers)
        ).status_code == 409
        second = (
            await client.post(
                f"/diagnoses/{diagnosis_id}/expert-reviews",
                json={"expert_id": expert["id"]},
                headers=officer.headers,
            )
        ).json()
        approved = await client.post(
            f"/expert-reviews/{second['id']}/opinion",
            json={"verdict": "approve", "comments": "同意"},
            headers=provider.headers,
        )
        assert approved.status_code == 200
        delivered = await client.post(f"/diagnoses/{diagnosis_id}/deliver", headers=officer.headers)
        assert delivered.status_code == 200, delivered.text
        assert [r["verdict"] for r in delivered.json()["expert_reviews"]] == ["revise", "approve"]
        notes = (await client.get("/notifications", headers=officer.headers)).json()["items"]
        assert "expert_opinion_given" in {n["kind"] for n in notes}

    async def test_an_item_added_after_the_approval_needs_another(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        await client.put(
            f"/admin/service-settings/{DEYANG}",
            json={"expert_review_threshold_cny": 1},
            headers=officer.headers,
        )
        company = await vetted_account(client, admin, region_code=JINGYANG, industry_code="C3825")
        diagnosis_id = await _drafted(client, officer, company)
        provider = await vetted_account(client, admin, "provider")
        expert = await _expert(client, officer, provider)
        review = (
            await client.post(
                f"/diagnoses/{diagnosis_id}/expert-reviews",
                json={"expert_id": expert["id"]},
                headers=officer.headers,
            )
        ).json()
        await client.post(
            f"/expert-reviews/{review['id']}/opinion",
            json={"verdict": "approve", "comments": "同意"},
            headers=provider.headers,
        )
        await client.post(f"/diagnoses/{diagnosis_id}/plan-items", json=ITEM, headers=officer.headers)
        late = await client.post(f"/diagnoses/{diagnosis_id}/deliver", headers=officer.headers)
        assert late.status_code == 409 and late.json()["code"] == "expert_review_required"

    async def test_an_expert_whose_organization_quotes_is_refused(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        company = await vetted_account(client, admin, region_code=JINGYANG, industry_code="C3825")
        diagnosis_id = await _drafted(client, officer, company)
        bidder = await vetted_account(client, admin, "provider")
        clean = await vetted_account(client, admin, "provider")
        conflicted, later = await _expert(client, officer, bidder), await _expert(client, officer, clean)
        # The clean expert is asked first; then its organization bids on the enterprise's demand too.
        review = (
            await client.post(
                f"/diagnoses/{diagnosis_id}/expert-reviews",
                json={"expert_id": later["id"]},
                headers=officer.headers,
            )
        ).json()
        demand = await published_demand(client, company)
        for who in (bidder, clean):
            quoted = await client.post(
                f"/demands/{demand['id']}/quotes",
                json={"price_cny": 2_500_000, "delivery_days": 60},
                headers=who.headers,
            )
            assert quoted.status_code == 201, quoted.text
        refused = await client.post(
            f"/diagnoses/{diagnosis_id}/expert-reviews",
            json={"expert_id": conflicted["id"]},
            headers=officer.headers,
        )
        assert refused.status_code == 409 and refused.json()["code"] == "conflict_of_interest"
        answer = await client.post(
            f"/expert-reviews/{review['id']}/opinion",
            json={"verdict": "approve", "comments": "同意"},
            headers=clean.headers,
        )
        assert answer.status_code == 409 and answer.json()["code"] == "conflict_of_interest"

    async def test_outside_the_region_nothing(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        yibin = await operator_account(client, db, admin, region_code=YIBIN, level="city")
        company = await vetted_account(client, admin, region_code=JINGYANG, industry_code="C3825")
        diagnosis_id = await _drafted(client, officer, company)
        expert = await _expert(client, officer, await vetted_account(client, admin, "provider"))
        response = await client.post(
            f"/diagnoses/{diagnosis_id}/expert-reviews",
            json={"expert_id": expert["id"]},
            headers=yibin.headers,
        )
        assert response.status_code == 404
        assert (
            await client.put(
                f"/admin/service-settings/{DEYANG}", json={"coverage_target_pct": 90}, headers=yibin.headers
            )
        ).status_code == 404
        far = await _expert(client, yibin, await vetted_account(client, admin, "provider"), YIBIN)
        wrong_region = await client.post(
            f"/diagnoses/{diagnosis_id}/expert-reviews",
            json={"expert_id": far["id"]},
            headers=officer.headers,
        )
        assert wrong_region.status_code == 422 and wrong_region.json()["errors"][0]["loc"] == [
            "body",
            "expert_id",
        ]
