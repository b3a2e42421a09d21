"""全川行 diagnoses and 一对一技改方案: a 服务专员 of the enterprise's region plans, visits, drafts and
delivers; the enterprise accepts items into draft demands or declines them; each stage in order."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Demand
from app.models.diagnosis import Diagnosis, PlanItem
from tests.fixtures.factories import Account, operator_account, vetted_account

DEYANG, JINGYANG, YIBIN = "510600", "510603", "511500"
ITEM = {
    "category_code": "smart.cnc_machine_tool",
    "quantity": 4,
    "budget_min_cny": 2_000_000,
    "budget_max_cny": 3_000_000,
    "task_type": "smart_digital",
    "expected_benefit": "关键工序数控化率由40%提升到80%",
    "efficiency_gain_pct": 30,
}
VISIT = {
    "visited_at": "2026-11-20T09:30:00+08:00",
    "findings": [{"task_type": "smart_digital", "text": "机加工车间6台普通车床服役14年"}],
}


async def _setup(client: httpx.AsyncClient, admin: Account, db: AsyncSession) -> tuple[Account, Account]:
    company = await vetted_account(client, admin, region_code=JINGYANG, industry_code="C3825")
    officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
    return company, officer


async def _open(client: httpx.AsyncClient, officer: Account, company: Account) -> dict[str, Any]:
    response = await client.post(
        "/diagnoses",
        json={"organization_id": company.organization_id, "planned_at": "2026-11-20T09:00:00+08:00"},
        headers=officer.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _delivered(
    client: httpx.AsyncClient, officer: Account, company: Account, items: int = 2
) -> dict[str, Any]:
    diagnosis = await _open(client, officer, company)
    path = f"/diagnoses/{diagnosis['id']}"
    assert (await client.post(f"{path}/visits", json=VISIT, headers=officer.headers)).status_code == 201
    for n in range(items):
        added = await client.post(
            f"{path}/plan-items", json=ITEM | {"quantity": n + 1}, headers=officer.headers
        )
        assert added.status_code == 201, added.text
    delivered = await client.post(f"{path}/deliver", headers=officer.headers)
    assert delivered.status_code == 200, delivered.text
    body: dict[str, Any] = delivered.json()
    return body


class TestStages:
    async def test_planned_visited_drafted_delivered_with_who_and_when(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        company, officer = await _setup(client, admin, db)
        diagnosis = await _open(client, officer, company)
        assert diagnosis["status"] == "planned" and diagnosis["opened"]["by"]["id"] == officer.user_id
        path = f"/diagnoses/{diagnosis['id']}"
        early = await client.post(f"{path}/plan-items", json=ITEM, headers=officer.headers)
        assert early.status_code == 409  # a plan follows a visit
        too_early = await client.post(f"{path}/deliver", headers=officer.headers)
        assert too_early.status_code == 409
        visited = await client.post(f"{path}/visits", json=VISIT, headers=officer.headers)
        assert visited.json()["status"] == "visited" and len(visited.json()["visits"]) == 1
        item = await client.post(f"{path}/plan-items", json=ITEM, headers=officer.headers)
        assert item.status_code == 201 and item.json()["status"] == "proposed"
        drafted = (await client.get(path, headers=officer.headers)).json()
        assert drafted["status"] == "plan_drafted" and drafted["plan_budget_max_cny"] == 3_000_000
        # The enterprise sees the diagnosis, not the draft plan.
        mine = (await client.get(path, headers=company.headers)).json()
        assert mine["status"] == "plan_drafted" and mine["plan_items"] == []
        delivered = await client.post(f"{path}/deliver", headers=officer.headers)
        assert delivered.json()["status"] == "delivered"
        assert delivered.json()["delivered"]["by"]["id"] == officer.user_id
        assert len((await client.get(path, headers=company.headers)).json()["plan_items"]) == 1
        again = await client.post(f"{path}/deliver", headers=officer.headers)
        assert again.status_code == 409
        late = await client.post(f"{path}/visits", json=VISIT, headers=officer.headers)
        assert late.status_code == 409
        notes = (await client.get("/notifications", headers=company.headers)).json()["items"]
        assert {"diagnosis_planned", "plan_delivered"} <= {n["kind"] for n in notes}

    async def test_one_under_way_per_enterprise_and_closing(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        company, officer = await _setup(client, admin, db)
        first = await _open(client, officer, company)
        second = await client.post(
            "/diagnoses",
            json={"organization_id": company.organization_id, "planned_at": "2026-12-01T09:00:00+08:00"},
            headers=officer.headers,
        )
        assert second.status_code == 409
        skip = await client.patch(
            f"/diagnoses/{first['id']}", json={"status": "delivered"}, headers=officer.headers
        )
        assert skip.status_code == 422 and skip.json()["errors"][0]["loc"] == ["body", "status"]
        closed = await client.patch(
            f"/diagnoses/{first['id']}", json={"status": "closed"}, headers=officer.headers
        )
        assert closed.status_code == 200 and closed.json()["closed"]["by"]["id"] == officer.user_id
        assert (await _open(client, officer, company))["status"] == "planned"

    async def test_bad_input(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession, supplier: Account
    ) -> None:
        company, officer = await _setup(client, admin, db)
        diagnosis = await _open(client, officer, company)
        path = f"/diagnoses/{diagnosis['id']}"
        await client.post(f"{path}/visits", json=VISIT, headers=officer.headers)
        unknown = await client.post(
            f"{path}/plan-items", json=ITEM | {"category_code": "no.such"}, headers=officer.headers
        )
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == ["body", "category_code"]
        inverted = await client.post(
            f"{path}/plan-items", json=ITEM | {"budget_min_cny": 5_000_000}, headers=officer.headers
        )
        assert inverted.status_code == 422
        bad_task = await client.post(
            f"{path}/visits",
            json=VISIT | {"findings": [{"task_type": "x", "text": "y"}]},
            headers=officer.headers,
        )
        assert bad_task.status_code == 422
        not_enterprise = await client.post(
            "/diagnoses",
            json={"organization_id": supplier.organization_id, "planned_at": "2026-12-01T09:00:00+08:00"},
            headers=admin.headers,
        )
        assert not_enterprise.status_code == 422
        assert (
            await client.post(
                "/diagnoses",
                json={"organization_id": company.organization_id, "planned_at": "2026-12-01T09:00:00+08:00"},
                headers=company.headers,
            )
        ).status_code == 403


class TestScope:
    async def test_an_operator_elsewhere_sees_nothing_and_writes_nothing(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        company, officer = await _setup(client, admin, db)
        yibin = await operator_account(client, db, admin, region_code=YIBIN, level="city")
        refused = await client.post(
            "/diagnoses",
            json={"organization_id": company.organization_id, "planned_at": "2026-11-20T09:00:00+08:00"},
            headers=yibin.headers,
        )
        assert refused.status_code == 404
        assert await db.scalar(select(func.count()).select_from(Diagnosis)) == 0
        diagnosis = await _open(client, officer, company)
        path = f"/diagnoses/{diagnosis['id']}"
        for method, suffix, body in (
            ("GET", "", None),
            ("PATCH", "", {"summary": "x"}),
            ("POST", "/visits", VISIT),
            ("POST", "/plan-items", ITEM),
            ("POST", "/deliver", None),
        ):
            response = await client.request(method, f"{path}{suffix}", json=body, headers=yibin.headers)
            assert response.status_code == 404, (method, suffix)
        listed = (await client.get("/diagnoses", headers=yibin.headers)).json()["items"]
        assert listed == []
        deyang = (
            await client.get("/diagnoses", params={"region_code": DEYANG}, headers=officer.headers)
        ).json()
        assert [d["id"] for d in deyang["items"]] == [diagnosis["id"]]
        mine = (await client.get("/diagnoses", headers=company.headers)).json()["items"]
        assert [d["id"] for d in mine] == [diagnosis["id"]]
        db.expire_all()
        stored = await db.get(Diagnosis, uuid.UUID(diagnosis["id"]))
        assert stored is not None and stored.summary == "" and stored.status == "planned"


class TestDecisions:
    async def test_accepting_an_item_makes_a_linked_draft_demand(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        company, officer = await _setup(client, admin, db)
        diagnosis = await _delivered(client, officer, company)
        first, second = diagnosis["plan_items"]
        accepted = await client.post(f"/plan-items/{first['id']}/accept", headers=company.headers)
        assert accepted.status_code == 200, accepted.text
        assert (
            accepted.json()["status"] == "accepted"
            and accepted.json()["decided"]["by"]["id"] == company.user_id
        )
        demand_id = accepted.json()["demand_id"]
        demand = (await client.get(f"/demands/{demand_id}", headers=company.headers)).json()
        assert demand["status"] == "draft" and demand["plan_item_id"] == first["id"]
        assert demand["category_codes"] == ["smart.cnc_machine_tool"] and demand["region_code"] == JINGYANG
        assert demand["budget_max_cny"] == 3_000_000 and demand["task_type"] == "smart_digital"
        twice = await client.post(f"/plan-items/{first['id']}/accept", headers=company.headers)
        assert twice.status_code == 409
        assert await db.scalar(select(func.count()).select_from(Demand)) == 1
        declined = await client.post(
            f"/plan-items/{second['id']}/decline",
            json={"reason": "资金已用于其他项目"},
            headers=company.headers,
        )
        assert (
            declined.json()["status"] == "declined"
            and declined.json()["decline_reason"] == "资金已用于其他项目"
        )
        seen = (await client.get(f"/diagnoses/{diagnosis['id']}", headers=officer.headers)).json()
        assert [i["status"] for i in seen["plan_items"]] == ["accepted", "declined"]

    async def test_only_the_enterprise_decides_and_only_once_delivered(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        company, officer = await _setup(client, admin, db)
        diagnosis = await _open(client, officer, company)
        path = f"/diagnoses/{diagnosis['id']}"
        await client.post(f"{path}/visits", json=VISIT, headers=officer.headers)
        item = (await client.post(f"{path}/plan-items", json=ITEM, headers=officer.headers)).json()
        undelivered = await client.post(f"/plan-items/{item['id']}/accept", headers=company.headers)
        assert undelivered.status_code == 404
        await client.post(f"{path}/deliver", headers=officer.headers)
        stranger = await vetted_account(client, admin)
        for who in (stranger, officer):
            response = await client.post(f"/plan-items/{item['id']}/accept", headers=who.headers)
            assert response.status_code == 404
        db.expire_all()
        stored = await db.get(PlanItem, uuid.UUID(item["id"]))
        assert stored is not None and stored.status == "proposed"
