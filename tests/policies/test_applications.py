"""申报: an enterprise applies for a policy with a contracted demand; operators of the right level move it
stage by stage, never skipping one; each step recorded, audited and notified."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import PolicyApplication
from tests.fixtures.factories import Account, operator_account, published_demand, vetted_account
from tests.policies.test_policies import LOCAL

DEYANG, JINGYANG, YIBIN = "510600", "510603", "511500"


async def _contracted(
    client: httpx.AsyncClient, admin: Account, company: Account, **over: Any
) -> dict[str, Any]:
    demand = await published_demand(client, company, **over)
    supplier = await vetted_account(client, admin, "supplier")
    quote = await client.post(
        f"/demands/{demand['id']}/quotes",
        json={"price_cny": 9_000_000, "delivery_days": 60},
        headers=supplier.headers,
    )
    assert quote.status_code == 201, quote.text
    accepted = await client.post(f"/quotes/{quote.json()['id']}/accept", headers=company.headers)
    assert accepted.status_code == 200, accepted.text
    return demand


async def _seeded(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    items = (await client.get("/policies", params={"limit": 100})).json()["items"]
    return next(p for p in items if p["code"] == code)


class TestApplying:
    async def test_the_whole_way_to_granted(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        company = await vetted_account(client, admin, region_code=JINGYANG)
        demand = await _contracted(client, admin, company, region_code=JINGYANG, task_type="smart_digital")
        policy = (await client.post("/policies", json=LOCAL, headers=admin.headers)).json()  # 德阳's
        submitted = await client.post(
            "/policy-applications",
            json={"policy_id": policy["id"], "demand_id": demand["id"]},
            headers=company.headers,
        )
        assert submitted.status_code == 201, submitted.text
        application = submitted.json()
        assert application["status"] == "submitted" and application["next"] == ["accepted", "rejected"]
        county = await operator_account(client, db, admin, region_code=JINGYANG, level="county")
        city = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        path = f"/policy-applications/{application['id']}/advance"
        skip = await client.post(path, json={"to": "reviewed"}, headers=city.headers)
        assert skip.status_code == 409 and skip.json()["allowed"] == ["accepted", "rejected"]
        accepted = await client.post(
            path, json={"to": "accepted", "note": "材料齐全，予以受理"}, headers=county.headers
        )
        assert accepted.status_code == 200, accepted.text
        too_low = await client.post(path, json={"to": "reviewed"}, headers=county.headers)
        assert too_low.status_code == 403 and too_low.json()["needed_level"] == "city"
        assert (await client.post(path, json={"to": "reviewed"}, headers=city.headers)).status_code == 200
        assert (
            await client.post(path, json={"to": "publicized", "note": "公示7天"}, headers=city.headers)
        ).status_code == 200
        no_amount = await client.post(path, json={"to": "granted"}, headers=city.headers)
        assert no_amount.status_code == 422 and no_amount.json()["errors"][0]["loc"] == [
            "body",
            "granted_cny",
        ]
        over_cap = await client.post(
            path, json={"to": "granted", "granted_cny": 5_000_000}, headers=city.headers
        )
        assert over_cap.status_code == 422
        granted = await client.post(
            path, json={"to": "granted", "granted_cny": 720_000}, headers=city.headers
        )
        assert granted.status_code == 200 and granted.json()["granted_cny"] == 720_000
        body = granted.json()
        assert [s["to_status"] for s in body["steps"]] == [
            "submitted",
            "accepted",
            "reviewed",
            "publicized",
            "granted",
        ]
        assert (
            body["steps"][1]["actor"]["id"] == county.user_id
            and body["steps"][1]["note"] == "材料齐全，予以受理"
        )
        done = await client.post(path, json={"to": "rejected"}, headers=city.headers)
        assert done.status_code == 409
        notes = (await client.get("/notifications", headers=company.headers)).json()["items"]
        assert sum(n["kind"] == "application_status_changed" for n in notes) == 4
        log = (
            await client.get(
                "/admin/audit-log",
                params={"object_type": "policy_applications", "object_id": application["id"]},
                headers=admin.headers,
            )
        ).json()["items"]
        assert len(log) == 4 and {e["actor"]["id"] for e in log} == {county.user_id, city.user_id}

    async def test_a_province_policy_is_decided_by_province_operators(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        company = await vetted_account(client, admin, region_code=JINGYANG)
        demand = await _contracted(client, admin, company, region_code=JINGYANG)
        policy = await _seeded(client, "sc-renewal-subsidy-project")
        application = (
            await client.post(
                "/policy-applications",
                json={"policy_id": policy["id"], "demand_id": demand["id"]},
                headers=company.headers,
            )
        ).json()
        city = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        province = await operator_account(client, db, admin, region_code="510000", level="province")
        path = f"/policy-applications/{application['id']}/advance"
        assert (await client.post(path, json={"to": "accepted"}, headers=city.headers)).status_code == 200
        refused = await client.post(path, json={"to": "rejected", "note": "x"}, headers=city.headers)
        assert refused.status_code == 403 and refused.json()["needed_level"] == "province"
        rejected = await client.post(
            path, json={"to": "rejected", "note": "不符合项目法条件"}, headers=province.headers
        )
        assert rejected.status_code == 200 and rejected.json()["next"] == []
        # Rejected, it may be applied for again.
        again = await client.post(
            "/policy-applications",
            json={"policy_id": policy["id"], "demand_id": demand["id"]},
            headers=company.headers,
        )
        assert again.status_code == 201

    async def test_bad_applications(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        company = await vetted_account(client, admin, region_code=JINGYANG)
        policy = (await client.post("/policies", json=LOCAL, headers=admin.headers)).json()
        published = await published_demand(client, company, region_code=JINGYANG, task_type="smart_digital")
        not_contracted = await client.post(
            "/policy-applications",
            json={"policy_id": policy["id"], "demand_id": published["id"]},
            headers=company.headers,
        )
        assert not_contracted.status_code == 422 and not_contracted.json()["errors"][0]["loc"] == [
            "body",
            "demand_id",
        ]
        demand = await _contracted(client, admin, company, region_code=JINGYANG, task_type="safety")
        wrong_task = await client.post(
            "/policy-applications",
            json={"policy_id": policy["id"], "demand_id": demand["id"]},
            headers=company.headers,
        )
        assert wrong_task.status_code == 422 and wrong_task.json()["errors"][0]["loc"] == [
            "body",
            "policy_id",
        ]
        elsewhere = await vetted_account(client, admin, region_code=YIBIN)
        far = await _contracted(client, admin, elsewhere, region_code=YIBIN, task_type="smart_digital")
        wrong_region = await client.post(
            "/policy-applications",
            json={"policy_id": policy["id"], "demand_id": far["id"]},
            headers=elsewhere.headers,
        )
        assert wrong_region.status_code == 422
        someone_elses = await client.post(
            "/policy-applications",
            json={"policy_id": policy["id"], "demand_id": far["id"]},
            headers=company.headers,
        )
        assert someone_elses.status_code == 404
        assert await db.scalar(select(func.count()).select_from(PolicyApplication)) == 0
        ok = await _contracted(client, admin, company, region_code=JINGYANG, task_type="smart_digital")
        body = {"policy_id": policy["id"], "demand_id": ok["id"]}
        assert (
            await client.post("/policy-applications", json=body, headers=company.headers)
        ).status_code == 201
        twice = await client.post("/policy-applications", json=body, headers=company.headers)
        assert twice.status_code == 409

    async def test_who_sees_what(self, client: httpx.AsyncClient, admin: Account, db: AsyncSession) -> None:
        company = await vetted_account(client, admin, region_code=JINGYANG)
        demand = await _contracted(client, admin, company, region_code=JINGYANG)
        policy = await _seeded(client, "sc-renewal-subsidy-project")
        application = (
            await client.post(
                "/policy-applications",
                json={"policy_id": policy["id"], "demand_id": demand["id"]},
                headers=company.headers,
            )
        ).json()
        yibin = await operator_account(client, db, admin, region_code=YIBIN, level="city")
        deyang = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        assert (
            await client.get(f"/policy-applications/{application['id']}", headers=yibin.headers)
        ).status_code == 404
        assert (
            await client.post(
                f"/policy-applications/{application['id']}/advance",
                json={"to": "accepted"},
                headers=yibin.headers,
            )
        ).status_code == 404
        assert (await client.get("/policy-applications", headers=yibin.headers)).json()["items"] == []
        mine = (await client.get("/policy-applications", headers=company.headers)).json()["items"]
        theirs = (
            await client.get("/policy-applications", params={"status": "submitted"}, headers=deyang.headers)
        ).json()
        assert [a["id"] for a in mine] == [a["id"] for a in theirs["items"]] == [application["id"]]
        stranger = await vetted_account(client, admin)
        assert (
            await client.get(f"/policy-applications/{application['id']}", headers=stranger.headers)
        ).status_code == 404
